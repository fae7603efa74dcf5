; ModuleID = "parallel"

@"__tecomp_num_threads" = global i32 0
define i32 @"parallel"(ptr %"A", ptr %"B", i64 %"n") nounwind
{
entry:
  %"i_closure" = alloca {i64, i64, i32, ptr, ptr}
  br label %"body"
body:
  %".6" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 0
  store i64 0, ptr %".6"
  %".8" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 1
  store i64 %"n", ptr %".8"
  %".10" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 2
  store i32 0, ptr %".10"
  %".12" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 3
  store ptr %"A", ptr %".12"
  %".14" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 4
  store ptr %"B", ptr %".14"
  %".16" = call i32 @"__tecomp_get_num_threads"()
  call void @"GOMP_parallel"(void (ptr)* @"parallel_parallel_2", ptr %"i_closure", i32 %".16", i32 0)
  %".18" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %"i_closure", i32 0, i32 2
  %".19" = load i32, ptr %".18"
  %".20" = icmp ne i32 %".19", 0
  br i1 %".20", label %"body.if", label %"body.endif", !prof !0
body.if:
  ret i32 %".19"
body.endif:
  ret i32 0
}

define internal void @"parallel_parallel_2"(ptr %".1") nounwind
{
entry:
  br label %"body"
body:
  %".4" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 2
  %".5" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 3
  %".6" = load ptr, ptr %".5"
  %".7" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 4
  %".8" = load ptr, ptr %".7"
  %".9" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 0
  %".10" = load i64, ptr %".9"
  %".11" = getelementptr inbounds {i64, i64, i32, ptr, ptr}, ptr %".1", i32 0, i32 1
  %".12" = load i64, ptr %".11"
  %".13" = call i32 @"omp_get_thread_num"()
  %".14" = sext i32 %".13" to i64
  %".15" = call i32 @"omp_get_num_threads"()
  %".16" = sext i32 %".15" to i64
  %".17" = add i64 %".12", %".16"
  %".18" = sub i64 %".17", 1
  %".19" = sdiv i64 %".18", %".16"
  %".20" = mul i64 %".14", %".19"
  %".21" = icmp slt i64 %".20", %".12"
  %".22" = select  i1 %".21", i64 %".20", i64 %".12"
  %".23" = add i64 %".22", %".19"
  %".24" = icmp slt i64 %".23", %".12"
  %".25" = select  i1 %".24", i64 %".23", i64 %".12"
  br label %"for_i"
for_i:
  %"i" = phi  i64 [%".22", %"body"], [%".40", %"for_i_body"]
  %".27" = icmp slt i64 %"i", %".25"
  br i1 %".27", label %"for_i_body", label %"for_i_end"
for_i_body:
  %".29" = add i64 %".10", %"i"
  %".30" = mul i64 %".29", 16
  %".31" = getelementptr inbounds float, ptr %".6", i64 %".30"
  %".32" = load <16 x float>, ptr %".31", align 4
  %".33" = mul i64 %".29", 16
  %".34" = getelementptr inbounds float, ptr %".6", i64 %".33"
  %".35" = load <16 x float>, ptr %".34", align 4
  %".36" = fmul contract <16 x float> %".32", %".35"
  %".37" = mul i64 %".29", 16
  %".38" = getelementptr inbounds float, ptr %".8", i64 %".37"
  store <16 x float> %".36", ptr %".38", align 4
  %".40" = add nsw i64 %"i", 1
  br label %"for_i"
for_i_end:
  ret void
}

declare i32 @"omp_get_thread_num"()

declare i32 @"omp_get_num_threads"()

declare void @"GOMP_parallel"(ptr %".1", ptr %".2", i32 %".3", i32 %".4")

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

declare void @"free"(ptr %".1")

!0 = !{ !"branch_weights", i32 1, i32 99 }