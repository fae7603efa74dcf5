; ModuleID = "compute_at_stencil"

@"__tecomp_num_threads" = global i32 0
define i32 @"compute_at_stencil"(ptr noalias %"A", ptr noalias %"B") nounwind
{
entry:
  %"T" = alloca float, i64 18, align 64
  br label %"body"
body:
  %".5" = add i64 0, 4
  br label %"for_i.outer"
for_i.outer:
  %"i.outer" = phi  i64 [0, %"body"], [%".42", %"for_i.inner_end"]
  %".7" = icmp slt i64 %"i.outer", %".5"
  br i1 %".7", label %"for_i.outer_body", label %"for_i.outer_end"
for_i.outer_body:
  %".9" = add i64 0, 18
  br label %"for_i"
for_i.outer_end:
  ret i32 0
for_i:
  %"i" = phi  i64 [0, %"for_i.outer_body"], [%".20", %"for_i_body"]
  %".11" = icmp slt i64 %"i", %".9"
  br i1 %".11", label %"for_i_body", label %"for_i_end"
for_i_body:
  %".13" = mul i64 %"i.outer", 16
  %".14" = add i64 %".13", %"i"
  %".15" = getelementptr inbounds float, ptr %"A", i64 %".14"
  %".16" = load float, ptr %".15", align 4
  %".17" = fadd contract float %".16", 0x3ff0000000000000
  %".18" = getelementptr inbounds float, ptr %"T", i64 %"i"
  store float %".17", ptr %".18", align 4
  %".20" = add nsw i64 %"i", 1
  br label %"for_i"
for_i_end:
  %".22" = add i64 0, 16
  br label %"for_i.inner"
for_i.inner:
  %"i.inner" = phi  i64 [0, %"for_i_end"], [%".40", %"for_i.inner_body"]
  %".24" = icmp slt i64 %"i.inner", %".22"
  br i1 %".24", label %"for_i.inner_body", label %"for_i.inner_end"
for_i.inner_body:
  %".26" = getelementptr inbounds float, ptr %"T", i64 %"i.inner"
  %".27" = load float, ptr %".26", align 4
  %".28" = add i64 %"i.inner", 1
  %".29" = getelementptr inbounds float, ptr %"T", i64 %".28"
  %".30" = load float, ptr %".29", align 4
  %".31" = fadd contract float %".27", %".30"
  %".32" = add i64 %"i.inner", 2
  %".33" = getelementptr inbounds float, ptr %"T", i64 %".32"
  %".34" = load float, ptr %".33", align 4
  %".35" = fadd contract float %".31", %".34"
  %".36" = mul i64 %"i.outer", 16
  %".37" = add i64 %".36", %"i.inner"
  %".38" = getelementptr inbounds float, ptr %"B", i64 %".37"
  store float %".35", ptr %".38", align 4
  %".40" = add nsw i64 %"i.inner", 1
  br label %"for_i.inner"
for_i.inner_end:
  %".42" = add nsw i64 %"i.outer", 1
  br label %"for_i.outer", !llvm.loop !2
}

!0 = !{ !"llvm.loop.vectorize.enable", i1 0 }
!1 = !{ !"llvm.loop.interleave.count", i32 1 }
!2 = distinct !{ !2, !0, !1 }