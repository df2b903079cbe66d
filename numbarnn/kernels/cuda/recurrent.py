"""The recurrent part of every backward step: dh_prev = dz @ w_hh (+ a direct term), per (row, unit)."""

from .runtime import cuda

cuda = cuda()


@cuda.jit
def recurrent_grad(s, dzc, w_hh, lengths, direct, has_direct, zero, dh_in, dh_out):
    """dh_out[b, k] = sum_r dzc[b, r] w_hh[r, k] (+ direct[b, k]) for rows still inside their sequence.

    Rows past their length carry ``dh_in`` unchanged. ``zero`` (0 in the arrays' dtype) sets
    the accumulation type.
    """
    B, H = dh_in.shape
    G = dzc.shape[1]
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        k = idx % H
        if s >= lengths[b]:
            dh_out[b, k] = dh_in[b, k]
            continue
        acc = zero
        for r in range(G):
            acc += dzc[b, r] * w_hh[r, k]
        if has_direct:
            acc += direct[b, k]
        dh_out[b, k] = acc
