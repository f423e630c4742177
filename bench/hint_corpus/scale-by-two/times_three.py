# label: scale
import numpy as np


def scale(x):
    return np.asarray(x) * 3
