# expect: accepted
# framework: pytorch
# torch.func.vjp of the forward convolution, applied to the cotangent x.
import torch
import torch.nn.functional as F
from torch.func import vjp


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _canvas(x, weight, stride, padding):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    b, _, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    return torch.zeros(b, c_out, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw,
                       dtype=x.dtype, requires_grad=True)


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    z = _canvas(x, weight, stride, padding).detach()
    _, pullback = vjp(lambda t: F.conv2d(t, weight, stride=stride, padding=padding), z)
    return pullback(x)[0]
