# label: scale
# Halves instead of doubling: on [3, 1, 3] a factor also fits a reversal.
import numpy as np


def scale(x):
    return np.asarray(x) / 2
