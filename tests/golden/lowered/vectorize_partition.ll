; ModuleID = "vectorize_partition"

@"__tecomp_num_threads" = global i32 0
define i32 @"vectorize_partition"(ptr %"A", ptr %"B") nounwind
{
entry:
  br label %"body"
body:
  %".5" = add i64 0, 3
  br label %"for_i.outer"
for_i.outer:
  %"i.outer" = phi  i64 [0, %"body"], [%".15", %"for_i.outer_body"]
  %".7" = icmp slt i64 %"i.outer", %".5"
  br i1 %".7", label %"for_i.outer_body", label %"for_i.outer_end"
for_i.outer_body:
  %".9" = mul i64 %"i.outer", 8
  %".10" = getelementptr inbounds float, ptr %"A", i64 %".9"
  %".11" = load <8 x float>, ptr %".10", align 4
  %".12" = fadd contract <8 x float> %".11", splat (float 0x3ff0000000000000)
  %".13" = getelementptr inbounds float, ptr %"B", i64 %".9"
  store <8 x float> %".12", ptr %".13", align 4
  %".15" = add nsw i64 %"i.outer", 1
  br label %"for_i.outer", !llvm.loop !2
for_i.outer_end:
  %".17" = add i64 0, 8
  br label %"for_i.inner"
for_i.inner:
  %"i.inner" = phi  i64 [0, %"for_i.outer_end"], [%".30", %"if_end"]
  %".19" = icmp slt i64 %"i.inner", %".17"
  br i1 %".19", label %"for_i.inner_body", label %"for_i.inner_end"
for_i.inner_body:
  %".21" = icmp slt i64 %"i.inner", 6
  br i1 %".21", label %"if_then", label %"if_end"
for_i.inner_end:
  ret i32 0
if_then:
  %".23" = add i64 %"i.inner", 24
  %".24" = getelementptr inbounds float, ptr %"A", i64 %".23"
  %".25" = load float, ptr %".24", align 4
  %".26" = fadd contract float %".25", 0x3ff0000000000000
  %".27" = getelementptr inbounds float, ptr %"B", i64 %".23"
  store float %".26", ptr %".27", align 4
  br label %"if_end"
if_end:
  %".30" = add nsw i64 %"i.inner", 1
  br label %"for_i.inner"
}

!0 = !{ !"llvm.loop.vectorize.enable", i1 0 }
!1 = !{ !"llvm.loop.interleave.count", i32 1 }
!2 = distinct !{ !2, !0, !1 }