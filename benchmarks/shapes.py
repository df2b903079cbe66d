"""Benchmark shapes and FLOP counts shared by the suite and the table renderer."""

# name: (B, T, D, H, layers)
SHAPES = {
    "analyst": (1, 1000, 1, 64, 1),
    "standard": (32, 100, 32, 128, 1),
    "wide": (64, 100, 64, 512, 1),
    "batch": (256, 50, 8, 256, 2),
}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def forward_flops(cell, shape):
    """Multiply-adds of the input and recurrent products, times two: sum over layers of 2*T*B*G*H*(D_l + H)."""
    B, T, D, H, layers = SHAPES[shape]
    G = GATES[cell]
    total = 0
    for layer in range(layers):
        d_in = D if layer == 0 else H
        total += 2 * T * B * G * H * (d_in + H)
    return total


def flops(cell, shape, mode):
    """FLOPs of one call; forward plus backward counts as three forwards."""
    return forward_flops(cell, shape) * (1 if mode == "forward" else 3)
