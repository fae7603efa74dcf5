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
  %".20" = sdiv i64 %".18", 268435456
  %".21" = call i64 @"__tecomp_team_size"(i64 %".19", i64 %".20")
  %".22" = icmp sgt i64 %".21", 1
  br i1 %".22", label %"body.if", label %"body.else"
body.if:
  %".24" = trunc i64 %".21" to i32
  call void @"GOMP_parallel"(void (ptr)* @"parallel_parallel_2", ptr %"i_closure", i32 %".24", i32 0)
  br label %"body.endif"
body.else:
  call void @"parallel_parallel_2"(ptr %"i_closure")
  br label %"body.endif"
body.endif:
  %".29" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 2
  %".30" = load i32, ptr %".29"
  %".31" = icmp ne i32 %".30", 0
  br i1 %".31", label %"body.endif.if", label %"body.endif.endif", !prof !3
body.endif.if:
  ret i32 %".30"
body.endif.endif:
  ret i32 0
}

define internal void @"parallel_parallel_2_body"(ptr %".1", ptr %"A", ptr %"B") noinline nounwind
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
  %"i" = phi  i64 [%".20", %"body"], [%".35", %"for_i_body"]
  %".25" = icmp slt i64 %"i", %".23"
  br i1 %".25", label %"for_i_body", label %"for_i_end"
for_i_body:
  %".27" = add i64 %".8", %"i"
  %".28" = mul i64 %".27", 16
  %".29" = getelementptr inbounds float, ptr %"A", i64 %".28"
  %".30" = load <16 x float>, ptr %".29", align 4
  %".31" = load <16 x float>, ptr %".29", align 4
  %".32" = fmul contract <16 x float> %".30", %".31"
  %".33" = getelementptr inbounds float, ptr %"B", i64 %".28"
  store <16 x float> %".32", ptr %".33", align 4
  %".35" = add nsw i64 %"i", 1
  br label %"for_i", !llvm.loop !2
for_i_end:
  ret void
}

declare i32 @"omp_get_thread_num"()

declare i32 @"omp_get_num_threads"()

define internal void @"parallel_parallel_2"(ptr %".1") noinline nounwind
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

define internal i32 @"__tecomp_get_num_threads"() noinline nounwind optnone
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

define internal i64 @"__tecomp_team_size"(i64 %".1", i64 %".2") noinline nounwind optnone
{
entry:
  %"loadavg" = alloca [128 x i8]
  %"running" = alloca i32
  %"now" = alloca {i64, i64}
  %".4" = icmp sle i64 %".1", 1
  br i1 %".4", label %"serial", label %"ask"
serial:
  ret i64 1
ask:
  %".7" = call i32 @"__tecomp_get_num_threads"()
  %".8" = sext i32 %".7" to i64
  %".9" = icmp sgt i64 %".8", 0
  br i1 %".9", label %"explicit", label %"automatic"
explicit:
  %".11" = icmp slt i64 %".1", %".8"
  %".12" = select  i1 %".11", i64 %".1", i64 %".8"
  ret i64 %".12"
automatic:
  %".14" = call i32 @"omp_get_max_threads"()
  %".15" = sext i32 %".14" to i64
  %".16" = icmp slt i64 %".1", %".15"
  %".17" = select  i1 %".16", i64 %".1", i64 %".15"
  %".18" = icmp sle i64 %".17", 1
  br i1 %".18", label %"serial", label %"check"
probe:
  %".23" = call i32 @"omp_get_num_procs"()
  %".24" = sext i32 %".23" to i64
  %".25" = call i32 @"clock_gettime"(i32 6, ptr %"now")
  %".26" = getelementptr inbounds {i64, i64}, ptr %"now", i32 0, i32 0
  %".27" = load i64, ptr %".26"
  %".28" = getelementptr inbounds {i64, i64}, ptr %"now", i32 0, i32 1
  %".29" = load i64, ptr %".28"
  %".30" = mul i64 %".27", 1000000000
  %".31" = add i64 %".30", %".29"
  %".32" = icmp eq i32 %".25", 0
  %".33" = select  i1 %".32", i64 %".31", i64 0
  %".34" = load atomic i64, i64* @"__tecomp_load_stamp" monotonic, align 8
  %".35" = icmp ne i64 %".33", 0
  %".36" = icmp ne i64 %".34", 0
  %".37" = and i1 %".35", %".36"
  %".38" = sub i64 %".33", %".34"
  %".39" = icmp ult i64 %".38", 10000000
  %".40" = and i1 %".37", %".39"
  br i1 %".40", label %"load_reuse", label %"load_read"
check:
  %".20" = icmp sge i64 %".2", %".17"
  br i1 %".20", label %"long", label %"probe"
long:
  ret i64 %".17"
load_reuse:
  %".42" = load atomic i64, i64* @"__tecomp_load_running" monotonic, align 8
  br label %"load_known"
load_read:
  store i32 1, ptr %"running"
  %".45" = call i32 (ptr, i32, ...) @"open"([14 x i8]* @"__tecomp_loadavg_path", i32 0)
  %".46" = icmp sge i32 %".45", 0
  br i1 %".46", label %"opened", label %"done"
load_known:
  %".63" = phi  i64 [%".42", %"load_reuse"], [%".59", %"done"]
  %".64" = sub i64 %".63", 1
  %".65" = sub i64 %".24", %".64"
  %".66" = icmp slt i64 %".65", 1
  %".67" = select  i1 %".66", i64 1, i64 %".65"
  %".68" = icmp slt i64 %".17", %".67"
  %".69" = select  i1 %".68", i64 %".17", i64 %".67"
  ret i64 %".69"
opened:
  %".48" = call i64 @"read"(i32 %".45", ptr %"loadavg", i64 127)
  %".49" = call i32 @"close"(i32 %".45")
  %".50" = icmp sgt i64 %".48", 0
  br i1 %".50", label %"got", label %"done"
done:
  %".56" = load i32, ptr %"running"
  %".57" = sext i32 %".56" to i64
  %".58" = icmp slt i64 %".57", 1
  %".59" = select  i1 %".58", i64 1, i64 %".57"
  store atomic i64 %".59", i64* @"__tecomp_load_running" monotonic, align 8
  store atomic i64 %".33", i64* @"__tecomp_load_stamp" monotonic, align 8
  br label %"load_known"
got:
  %".52" = getelementptr inbounds [128 x i8], ptr %"loadavg", i64 0, i64 %".48"
  store i8 0, ptr %".52"
  %".54" = call i32 (ptr, ptr, ...) @"sscanf"(ptr %"loadavg", [15 x i8]* @"__tecomp_loadavg_format", ptr %"running")
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