"""Triton kernels for one flash-attention block: forward, dQ, and dK/dV.

Layout [batch, heads, seq, head_dim] with a unit stride on head_dim; any other strides are passed
in, so the ring can hand over halves of its buffers without copying them. Grouped-query attention
reads key/value head h // GROUP for query head h. Scores are kept in base 2 (exp2 of scores scaled
by scale * log2(e)) and the log-sum-exp is stored in natural log, the form the ring merges.

The causal rule is key j visible to query i iff j <= i + causal_offset, with causal_offset the
global position of the first query minus that of the first key; loops stop at the last key block
(forward, dQ) or start at the first query block (dK/dV) that the rule can reach.

The kernels run under TRITON_INTERPRET=1 too, which is how they are tested on the CPU: there,
one autotune config only, and loop variables are never used with tensor methods.
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..backend import interpreting

LOG2E = 1.4426950408889634
# Globals read inside kernels must be constexpr for the compiler (the interpreter does not care).
LOG2E_K = tl.constexpr(LOG2E)
LN2_K = tl.constexpr(0.6931471805599453)

INTERPRETING = interpreting()


def _configs(block_pairs: list[tuple[int, int, int, int]]) -> list[triton.Config]:
    """Autotune candidates; one mid-sized config under the interpreter, where tuning is meaningless."""
    if INTERPRETING:
        return [triton.Config({"BLOCK_M": 32, "BLOCK_N": 32}, num_warps=4, num_stages=1)]
    return [triton.Config({"BLOCK_M": m, "BLOCK_N": n}, num_warps=w, num_stages=s) for m, n, w, s in block_pairs]


FWD_CONFIGS = _configs([(128, 64, 4, 3), (128, 64, 8, 3), (128, 128, 8, 3), (64, 64, 4, 3), (64, 32, 4, 4)])
BWD_CONFIGS = _configs([(64, 64, 4, 2), (64, 64, 8, 3), (32, 64, 4, 3), (64, 32, 4, 3), (128, 64, 8, 2)])
TUNE_KEY = ["q_len", "k_len", "head_dim", "group", "IS_CAUSAL"]


@triton.autotune(configs=FWD_CONFIGS, key=TUNE_KEY)
@triton.jit(do_not_specialize=["causal_offset"])
def attention_fwd_kernel(
    Q, K, V, Out, LSE,
    stride_qb, stride_qh, stride_qt,
    stride_kb, stride_kh, stride_kt,
    stride_vb, stride_vh, stride_vt,
    stride_ob, stride_oh, stride_ot,
    stride_lb, stride_lh,
    q_heads, group, q_len, k_len, head_dim, causal_offset, qk_scale,
    IS_CAUSAL: tl.constexpr, PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b = (pid_bh // q_heads).to(tl.int64)
    h = (pid_bh % q_heads).to(tl.int64)
    hk = h // group
    q_ptr = Q + b * stride_qb + h * stride_qh
    k_ptr = K + b * stride_kb + hk * stride_kh
    v_ptr = V + b * stride_vb + hk * stride_vh

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, BLOCK_D)
    arange_n = tl.arange(0, BLOCK_N)
    m_ok = offs_m < q_len
    d_ok = offs_d < head_dim
    q = tl.load(q_ptr + offs_m[:, None] * stride_qt + offs_d[None, :], mask=m_ok[:, None] & d_ok[None, :], other=0.0)

    row_max = tl.full([BLOCK_M], float("-inf"), tl.float32)
    row_sum = tl.zeros([BLOCK_M], tl.float32)
    acc = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)

    k_end = k_len
    if IS_CAUSAL:
        k_end = tl.maximum(tl.minimum(k_len, pid_m * BLOCK_M + BLOCK_M + causal_offset), 0)
    for start_n in tl.range(0, k_end, BLOCK_N):
        offs_n = start_n + arange_n
        n_ok = offs_n < k_len
        k_t = tl.load(k_ptr + offs_n[None, :] * stride_kt + offs_d[:, None], mask=d_ok[:, None] & n_ok[None, :],
                      other=0.0)
        scores = tl.dot(q, k_t, input_precision=PRECISION) * qk_scale
        visible = n_ok[None, :]
        if IS_CAUSAL:
            visible = visible & (offs_n[None, :] <= offs_m[:, None] + causal_offset)
        scores = tl.where(visible, scores, float("-inf"))
        new_max = tl.maximum(row_max, tl.max(scores, 1))
        shift = tl.where(new_max == float("-inf"), 0.0, new_max)
        probs = tl.exp2(scores - shift[:, None])
        rescale = tl.exp2(row_max - shift)
        row_sum = row_sum * rescale + tl.sum(probs, 1)
        v = tl.load(v_ptr + offs_n[:, None] * stride_vt + offs_d[None, :], mask=n_ok[:, None] & d_ok[None, :],
                    other=0.0)
        acc = acc * rescale[:, None] + tl.dot(probs.to(v.dtype), v, input_precision=PRECISION)
        row_max = new_max

    empty = row_sum == 0.0
    out = acc / tl.where(empty, 1.0, row_sum)[:, None]
    lse = tl.where(empty, float("-inf"), (row_max + tl.log2(tl.where(empty, 1.0, row_sum))) * LN2_K)
    o_ptr = Out + b * stride_ob + h * stride_oh
    tl.store(o_ptr + offs_m[:, None] * stride_ot + offs_d[None, :], out.to(Out.dtype.element_ty),
             mask=m_ok[:, None] & d_ok[None, :])
    tl.store(LSE + b * stride_lb + h * stride_lh + offs_m, lse, mask=m_ok)


@triton.autotune(configs=BWD_CONFIGS, key=TUNE_KEY, restore_value=["DQ"])
@triton.jit(do_not_specialize=["causal_offset"])
def attention_bwd_dq_kernel(
    Q, K, V, DO, LSE, DELTA, DQ,
    stride_qb, stride_qh, stride_qt,
    stride_kb, stride_kh, stride_kt,
    stride_vb, stride_vh, stride_vt,
    stride_dob, stride_doh, stride_dot,
    stride_dqb, stride_dqh, stride_dqt,
    stride_lb, stride_lh, stride_deltab, stride_deltah,
    q_heads, group, q_len, k_len, head_dim, causal_offset, qk_scale, sm_scale,
    IS_CAUSAL: tl.constexpr, ACCUMULATE: tl.constexpr, PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b = (pid_bh // q_heads).to(tl.int64)
    h = (pid_bh % q_heads).to(tl.int64)
    hk = h // group
    k_ptr = K + b * stride_kb + hk * stride_kh
    v_ptr = V + b * stride_vb + hk * stride_vh

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, BLOCK_D)
    arange_n = tl.arange(0, BLOCK_N)
    m_ok = offs_m < q_len
    d_ok = offs_d < head_dim
    md_ok = m_ok[:, None] & d_ok[None, :]
    q_ptrs = Q + b * stride_qb + h * stride_qh + offs_m[:, None] * stride_qt + offs_d[None, :]
    q = tl.load(q_ptrs, mask=md_ok, other=0.0)
    do_ptrs = DO + b * stride_dob + h * stride_doh + offs_m[:, None] * stride_dot + offs_d[None, :]
    do = tl.load(do_ptrs, mask=md_ok, other=0.0)
    lse = tl.load(LSE + b * stride_lb + h * stride_lh + offs_m, mask=m_ok, other=0.0)
    delta = tl.load(DELTA + b * stride_deltab + h * stride_deltah + offs_m, mask=m_ok, other=0.0)
    # Rows that see no key (lse -inf) have every score hidden; shifting them by 0 keeps P at 0.
    lse2 = tl.where(lse == float("-inf"), 0.0, lse * LOG2E_K)

    dq = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)
    k_end = k_len
    if IS_CAUSAL:
        k_end = tl.maximum(tl.minimum(k_len, pid_m * BLOCK_M + BLOCK_M + causal_offset), 0)
    for start_n in tl.range(0, k_end, BLOCK_N):
        offs_n = start_n + arange_n
        n_ok = offs_n < k_len
        k = tl.load(k_ptr + offs_n[:, None] * stride_kt + offs_d[None, :], mask=n_ok[:, None] & d_ok[None, :],
                    other=0.0)
        v_t = tl.load(v_ptr + offs_n[None, :] * stride_vt + offs_d[:, None], mask=d_ok[:, None] & n_ok[None, :],
                      other=0.0)
        scores = tl.dot(q, tl.trans(k), input_precision=PRECISION) * qk_scale
        visible = m_ok[:, None] & n_ok[None, :]
        if IS_CAUSAL:
            visible = visible & (offs_n[None, :] <= offs_m[:, None] + causal_offset)
        probs = tl.where(visible, tl.exp2(scores - lse2[:, None]), 0.0)
        dprobs = tl.dot(do, v_t, input_precision=PRECISION)
        dscores = probs * (dprobs - delta[:, None])
        dq += tl.dot(dscores.to(k.dtype), k, input_precision=PRECISION)

    dq = dq * sm_scale
    dq_ptrs = DQ + b * stride_dqb + h * stride_dqh + offs_m[:, None] * stride_dqt + offs_d[None, :]
    if ACCUMULATE:
        dq += tl.load(dq_ptrs, mask=md_ok, other=0.0).to(tl.float32)
    tl.store(dq_ptrs, dq.to(DQ.dtype.element_ty), mask=md_ok)


@triton.autotune(configs=BWD_CONFIGS, key=TUNE_KEY, restore_value=["DK", "DV"])
@triton.jit(do_not_specialize=["causal_offset"])
def attention_bwd_dkdv_kernel(
    Q, K, V, DO, LSE, DELTA, DK, DV,
    stride_qb, stride_qh, stride_qt,
    stride_kb, stride_kh, stride_kt,
    stride_vb, stride_vh, stride_vt,
    stride_dob, stride_doh, stride_dot,
    stride_dkb, stride_dkh, stride_dkt,
    stride_dvb, stride_dvh, stride_dvt,
    stride_lb, stride_lh, stride_deltab, stride_deltah,
    kv_heads, group, q_len, k_len, head_dim, causal_offset, qk_scale, sm_scale,
    IS_CAUSAL: tl.constexpr, ACCUMULATE: tl.constexpr, PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
):
    pid_n = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b = (pid_bh // kv_heads).to(tl.int64)
    hk = (pid_bh % kv_heads).to(tl.int64)

    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_d = tl.arange(0, BLOCK_D)
    arange_m = tl.arange(0, BLOCK_M)
    n_ok = offs_n < k_len
    d_ok = offs_d < head_dim
    nd_ok = n_ok[:, None] & d_ok[None, :]
    k = tl.load(K + b * stride_kb + hk * stride_kh + offs_n[:, None] * stride_kt + offs_d[None, :], mask=nd_ok,
                other=0.0)
    v = tl.load(V + b * stride_vb + hk * stride_vh + offs_n[:, None] * stride_vt + offs_d[None, :], mask=nd_ok,
                other=0.0)

    dk = tl.zeros([BLOCK_N, BLOCK_D], tl.float32)
    dv = tl.zeros([BLOCK_N, BLOCK_D], tl.float32)
    m_start = 0
    if IS_CAUSAL:
        # First query that sees key pid_n * BLOCK_N, rounded down to a query block.
        m_start = tl.maximum(pid_n * BLOCK_N - causal_offset, 0)
        m_start = (m_start // BLOCK_M) * BLOCK_M
    for g in tl.range(0, group):
        h = hk * group + g
        q_ptr = Q + b * stride_qb + h * stride_qh
        do_ptr = DO + b * stride_dob + h * stride_doh
        l_ptr = LSE + b * stride_lb + h * stride_lh
        d_ptr = DELTA + b * stride_deltab + h * stride_deltah
        for start_m in tl.range(m_start, q_len, BLOCK_M):
            offs_m = start_m + arange_m
            m_ok = offs_m < q_len
            md_ok = m_ok[:, None] & d_ok[None, :]
            q = tl.load(q_ptr + offs_m[:, None] * stride_qt + offs_d[None, :], mask=md_ok, other=0.0)
            do = tl.load(do_ptr + offs_m[:, None] * stride_dot + offs_d[None, :], mask=md_ok, other=0.0)
            lse = tl.load(l_ptr + offs_m, mask=m_ok, other=0.0)
            delta = tl.load(d_ptr + offs_m, mask=m_ok, other=0.0)
            lse2 = tl.where(lse == float("-inf"), 0.0, lse * LOG2E_K)
            # Transposed tile [BLOCK_N, BLOCK_M]: scores of these keys against these queries.
            scores_t = tl.dot(k, tl.trans(q), input_precision=PRECISION) * qk_scale
            visible = n_ok[:, None] & m_ok[None, :]
            if IS_CAUSAL:
                visible = visible & (offs_n[:, None] <= offs_m[None, :] + causal_offset)
            probs_t = tl.where(visible, tl.exp2(scores_t - lse2[None, :]), 0.0)
            dv += tl.dot(probs_t.to(do.dtype), do, input_precision=PRECISION)
            dprobs_t = tl.dot(v, tl.trans(do), input_precision=PRECISION)
            dscores_t = probs_t * (dprobs_t - delta[None, :])
            dk += tl.dot(dscores_t.to(q.dtype), q, input_precision=PRECISION)

    dk = dk * sm_scale
    dk_ptrs = DK + b * stride_dkb + hk * stride_dkh + offs_n[:, None] * stride_dkt + offs_d[None, :]
    dv_ptrs = DV + b * stride_dvb + hk * stride_dvh + offs_n[:, None] * stride_dvt + offs_d[None, :]
    if ACCUMULATE:
        dk += tl.load(dk_ptrs, mask=nd_ok, other=0.0).to(tl.float32)
        dv += tl.load(dv_ptrs, mask=nd_ok, other=0.0).to(tl.float32)
    tl.store(dk_ptrs, dk.to(DK.dtype.element_ty), mask=nd_ok)
    tl.store(dv_ptrs, dv.to(DV.dtype.element_ty), mask=nd_ok)
