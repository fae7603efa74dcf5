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
  %"i.outer" = phi  i64 [0, %"body"], [%".16", %"for_i.outer_body"]
  %".7" = icmp slt i64 %"i.outer", %".5"
  br i1 %".7", label %"for_i.outer_body", label %"for_i.outer_end"
for_i.outer_body:
  %".9" = mul i64 %"i.outer", 8
  %".10" = getelementptr inbounds float, ptr %"A", i64 %".9"
  %".11" = load <8 x float>, ptr %".10", align 4
  %".12" = fadd contract <8 x float> %".11", <float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000, float 0x3ff0000000000000>
  %".13" = mul i64 %"i.outer", 8
  %".14" = getelementptr inbounds float, ptr %"B", i64 %".13"
  store <8 x float> %".12", ptr %".14", align 4
  %".16" = add nsw i64 %"i.outer", 1
  br label %"for_i.outer", !llvm.loop !2
for_i.outer_end:
  %".18" = add i64 0, 8
  br label %"for_i.inner"
for_i.inner:
  %"i.inner" = phi  i64 [0, %"for_i.outer_end"], [%".32", %"if_end"]
  %".20" = icmp slt i64 %"i.inner", %".18"
  br i1 %".20", label %"for_i.inner_body", label %"for_i.inner_end"
for_i.inner_body:
  %".22" = icmp slt i64 %"i.inner", 6
  br i1 %".22", label %"if_then", label %"if_end"
for_i.inner_end:
  ret i32 0
if_then:
  %".24" = add i64 %"i.inner", 24
  %".25" = getelementptr inbounds float, ptr %"A", i64 %".24"
  %".26" = load float, ptr %".25", align 4
  %".27" = fadd contract float %".26", 0x3ff0000000000000
  %".28" = add i64 %"i.inner", 24
  %".29" = getelementptr inbounds float, ptr %"B", i64 %".28"
  store float %".27", ptr %".29", align 4
  br label %"if_end"
if_end:
  %".32" = add nsw i64 %"i.inner", 1
  br label %"for_i.inner"
}

!0 = !{ !"llvm.loop.vectorize.enable", i1 0 }
!1 = !{ !"llvm.loop.interleave.count", i32 1 }
!2 = distinct !{ !2, !0, !1 }