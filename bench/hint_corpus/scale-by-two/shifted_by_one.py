# label: padding
# Off by one position: on two values a shift also reads as a reversal.
import numpy as np


def scale(x):
    x = np.asarray(x)
    return 2 * np.concatenate([x[:1] * 0, x[:-1]])
