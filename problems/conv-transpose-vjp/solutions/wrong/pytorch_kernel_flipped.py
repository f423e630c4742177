# expect: wrong_answer
# framework: pytorch
# Flips the kernel first, as if the gradient needed it (autograd already does that).
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _canvas(x, weight, stride, padding):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    b, _, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    return torch.zeros(b, c_out, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw,
                       dtype=x.dtype, requires_grad=True)


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    z = _canvas(x, weight, stride, padding)
    y = F.conv2d(z, torch.flip(weight, dims=(2, 3)), stride=stride, padding=padding)
    (grad,) = torch.autograd.grad(y, z, grad_outputs=x)
    return grad
