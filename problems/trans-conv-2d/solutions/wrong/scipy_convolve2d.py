# expect: compile_error
# mistake: scipy.signal.convolve2d is the ready-made operator; write the scatter loop yourself.
import numpy as np
from scipy import signal


def trans_conv(X, K):
    return signal.convolve2d(np.asarray(X), np.asarray(K), mode="full")
