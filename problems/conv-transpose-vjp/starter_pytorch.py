import torch
import torch.nn.functional as F

# PyTorch: every array input is a float32 CPU tensor; return a tensor.
# Autograd is on here: torch.autograd.grad gives the VJP.


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    """Transposed convolution of x (B, C_in, H, W) with weight (C_in, C_out, kH, kW),
    computed as the VJP of a stride/padding convolution (weight read as OIHW) with
    respect to its input, with cotangent x.

    Returns (B, C_out, (H - 1) * sH + kH - 2 * pH, (W - 1) * sW + kW - 2 * pW).
    """
    raise NotImplementedError("conv_transpose2d_vjp is not written yet")
