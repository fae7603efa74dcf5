; ModuleID = "parallel"

@"__tecomp_num_threads" = global i32 0
define i32 @"parallel"(ptr %"A", ptr %"B", i64 %"n") nounwind
{
entry:
  %"i_closure" = alloca {i64, i64, i32, ptr, ptr}
  br label %"body"
body:
  %".6" = trunc i64 %"n" to i32
  %".7" = sext i32 %".6" to i64
  %".8" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 0
  store i64 0, ptr %".8"
  %".10" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 1
  store i64 %".7", ptr %".10"
  %".12" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 2
  store i32 0, ptr %".12"
  %".14" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 3
  store ptr %"A", ptr %".14"
  %".16" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 4
  store ptr %"B", ptr %".16"
  %".18" = mul i64 %".7", 48
  %".19" = sdiv i64 %".18", 1
  %".20" = call i64 @"__tecomp_team_size"(i64 %".19")
  %".21" = icmp sgt i64 %".20", 1
  br i1 %".21", label %"body.if", label %"body.else"
body.if:
  %".23" = trunc i64 %".20" to i32
  call void @"GOMP_parallel"(void (ptr)* @"parallel_parallel_2", ptr %"i_closure", i32 %".23", i32 0)
  br label %"body.endif"
body.else:
  call void @"parallel_parallel_2"(ptr %"i_closure")
  br label %"body.endif"
body.endif:
  %".28" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 2
  %".29" = load i32, ptr %".28"
  %".30" = icmp ne i32 %".29", 0
  br i1 %".30", label %"body.endif.if", label %"body.endif.endif", !prof !3
body.endif.if:
  ret i32 %".29"
body.endif.endif:
  ret i32 0
}

define internal void @"parallel_parallel_2_body"(ptr %".1", ptr %"A", ptr %"B") nounwind
{
entry:
  br label %"body"
body:
  %".6" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 2
  %".7" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 0
  %".8" = load i64, ptr %".7"
  %".9" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 1
  %".10" = load i64, ptr %".9"
  %".11" = call i32 @"omp_get_thread_num"()
  %".12" = sext i32 %".11" to i64
  %".13" = call i32 @"omp_get_num_threads"()
  %".14" = sext i32 %".13" to i64
  %".15" = add i64 %".10", %".14"
  %".16" = sub i64 %".15", 1
  %".17" = sdiv i64 %".16", %".14"
  %".18" = mul i64 %".12", %".17"
  %".19" = icmp slt i64 %".18", %".10"
  %".20" = select  i1 %".19", i64 %".18", i64 %".10"
  %".21" = add i64 %".20", %".17"
  %".22" = icmp slt i64 %".21", %".10"
  %".23" = select  i1 %".22", i64 %".21", i64 %".10"
  br label %"for_i"
for_i:
  %"i" = phi  i64 [%".20", %"body"], [%".38", %"for_i_body"]
  %".25" = icmp slt i64 %"i", %".23"
  br i1 %".25", label %"for_i_body", label %"for_i_end"
for_i_body:
  %".27" = add i64 %".8", %"i"
  %".28" = mul i64 %".27", 16
  %".29" = getelementptr inbounds float, ptr %"A", i64 %".28"
  %".30" = load <16 x float>, ptr %".29", align 4
  %".31" = mul i64 %".27", 16
  %".32" = getelementptr inbounds float, ptr %"A", i64 %".31"
  %".33" = load <16 x float>, ptr %".32", align 4
  %".34" = fmul contract <16 x float> %".30", %".33"
  %".35" = mul i64 %".27", 16
  %".36" = getelementptr inbounds float, ptr %"B", i64 %".35"
  store <16 x float> %".34", ptr %".36", align 4
  %".38" = add nsw i64 %"i", 1
  br label %"for_i", !llvm.loop !2
for_i_end:
  ret void
}

declare i32 @"omp_get_thread_num"()

declare i32 @"omp_get_num_threads"()

define internal void @"parallel_parallel_2"(ptr %".1") nounwind
{
entry:
  br label %"body"
body:
  %".4" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 3
  %".5" = load ptr, ptr %".4"
  %".6" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 4
  %".7" = load ptr, ptr %".6"
  call void @"parallel_parallel_2_body"(ptr %".1", ptr %".5", ptr %".7")
  ret void
}

define internal i32 @"__tecomp_get_num_threads"() nounwind
{
entry:
  %".2" = load atomic i32, i32* @"__tecomp_num_threads" monotonic, align 4
  %".3" = icmp ne i32 %".2", 0
  br i1 %".3", label %"done", label %"init"
init:
  %".5" = call ptr @"getenv"([19 x i8]* @"__tecomp_num_threads_env")
  %".6" = icmp eq ptr %".5", null
  br i1 %".6", label %"store", label %"parse"
done:
  %".15" = phi  i32 [%".2", %"entry"], [%".12", %"store"]
  %".16" = icmp sgt i32 %".15", 0
  %".17" = select  i1 %".16", i32 %".15", i32 0
  ret i32 %".17"
parse:
  %".8" = call i32 @"atoi"(ptr %".5")
  br label %"store"
store:
  %".10" = phi  i32 [0, %"init"], [%".8", %"parse"]
  %".11" = icmp sgt i32 %".10", 0
  %".12" = select  i1 %".11", i32 %".10", i32 -1
  store atomic i32 %".12", i32* @"__tecomp_num_threads" monotonic, align 4
  br label %"done"
}

@"__tecomp_num_threads_env" = private constant [19 x i8] c"TECOMP_NUM_THREADS\00"
declare ptr @"getenv"(ptr %".1")

declare i32 @"atoi"(ptr %".1")

define internal i64 @"__tecomp_team_size"(i64 %".1") nounwind
{
entry:
  %"loadavg" = alloca [128 x i8]
  %"running" = alloca i32
  %"now" = alloca {i64, i64}
  %".3" = icmp sle i64 %".1", 1
  br i1 %".3", label %"serial", label %"ask"
serial:
  ret i64 1
ask:
  %".6" = call i32 @"__tecomp_get_num_threads"()
  %".7" = sext i32 %".6" to i64
  %".8" = icmp sgt i64 %".7", 0
  br i1 %".8", label %"explicit", label %"automatic"
explicit:
  %".10" = icmp slt i64 %".1", %".7"
  %".11" = select  i1 %".10", i64 %".1", i64 %".7"
  ret i64 %".11"
automatic:
  %".13" = call i32 @"omp_get_max_threads"()
  %".14" = sext i32 %".13" to i64
  %".15" = icmp slt i64 %".1", %".14"
  %".16" = select  i1 %".15", i64 %".1", i64 %".14"
  %".17" = icmp sle i64 %".16", 1
  br i1 %".17", label %"serial", label %"probe"
probe:
  %".19" = call i32 @"omp_get_num_procs"()
  %".20" = sext i32 %".19" to i64
  %".21" = call i32 @"clock_gettime"(i32 6, ptr %"now")
  %".22" = getelementptr inbounds {i64, i64}, ptr %"now", i32 0, i32 0
  %".23" = load i64, ptr %".22"
  %".24" = getelementptr inbounds {i64, i64}, ptr %"now", i32 0, i32 1
  %".25" = load i64, ptr %".24"
  %".26" = mul i64 %".23", 1000000000
  %".27" = add i64 %".26", %".25"
  %".28" = icmp eq i32 %".21", 0
  %".29" = select  i1 %".28", i64 %".27", i64 0
  %".30" = load atomic i64, i64* @"__tecomp_load_stamp" monotonic, align 8
  %".31" = icmp ne i64 %".29", 0
  %".32" = icmp ne i64 %".30", 0
  %".33" = and i1 %".31", %".32"
  %".34" = sub i64 %".29", %".30"
  %".35" = icmp ult i64 %".34", 10000000
  %".36" = and i1 %".33", %".35"
  br i1 %".36", label %"load_reuse", label %"load_read"
load_reuse:
  %".38" = load atomic i64, i64* @"__tecomp_load_running" monotonic, align 8
  br label %"load_known"
load_read:
  store i32 1, ptr %"running"
  %".41" = call i32 (ptr, i32, ...) @"open"([14 x i8]* @"__tecomp_loadavg_path", i32 0)
  %".42" = icmp sge i32 %".41", 0
  br i1 %".42", label %"opened", label %"done"
load_known:
  %".59" = phi  i64 [%".38", %"load_reuse"], [%".55", %"done"]
  %".60" = sub i64 %".59", 1
  %".61" = sub i64 %".20", %".60"
  %".62" = icmp slt i64 %".61", 1
  %".63" = select  i1 %".62", i64 1, i64 %".61"
  %".64" = icmp slt i64 %".16", %".63"
  %".65" = select  i1 %".64", i64 %".16", i64 %".63"
  ret i64 %".65"
opened:
  %".44" = call i64 @"read"(i32 %".41", ptr %"loadavg", i64 127)
  %".45" = call i32 @"close"(i32 %".41")
  %".46" = icmp sgt i64 %".44", 0
  br i1 %".46", label %"got", label %"done"
done:
  %".52" = load i32, ptr %"running"
  %".53" = sext i32 %".52" to i64
  %".54" = icmp slt i64 %".53", 1
  %".55" = select  i1 %".54", i64 1, i64 %".53"
  store atomic i64 %".55", i64* @"__tecomp_load_running" monotonic, align 8
  store atomic i64 %".29", i64* @"__tecomp_load_stamp" monotonic, align 8
  br label %"load_known"
got:
  %".48" = getelementptr inbounds [128 x i8], ptr %"loadavg", i64 0, i64 %".44"
  store i8 0, ptr %".48"
  %".50" = call i32 (ptr, ptr, ...) @"sscanf"(ptr %"loadavg", [15 x i8]* @"__tecomp_loadavg_format", ptr %"running")
  br label %"done"
}

declare i32 @"omp_get_max_threads"()

declare i32 @"omp_get_num_procs"()

@"__tecomp_load_running" = internal global i64 0
@"__tecomp_load_stamp" = internal global i64 0
declare i32 @"clock_gettime"(i32 %".1", ptr %".2")

@"__tecomp_loadavg_path" = private constant [14 x i8] c"/proc/loadavg\00"
@"__tecomp_loadavg_format" = private constant [15 x i8] c"%*f %*f %*f %d\00"
declare i32 @"open"(ptr %".1", i32 %".2", ...)

declare i64 @"read"(i32 %".1", ptr %".2", i64 %".3")

declare i32 @"close"(i32 %".1")

declare i32 @"sscanf"(ptr %".1", ptr %".2", ...)

declare void @"GOMP_parallel"(ptr %".1", ptr %".2", i32 %".3", i32 %".4")

declare void @"free"(ptr %".1")

!0 = !{ !"llvm.loop.vectorize.enable", i1 0 }
!1 = !{ !"llvm.loop.interleave.count", i32 1 }
!2 = distinct !{ !2, !0, !1 }
!3 = !{ !"branch_weights", i32 1, i32 99 }