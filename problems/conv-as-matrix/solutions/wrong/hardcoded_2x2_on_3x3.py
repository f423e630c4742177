# expect: wrong_answer
# mistake: Offsets must come from the shapes; fixed slices only fit a 2x2 kernel on a 3x3 image.
# label: other
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, dtype=np.float32)
    template = np.zeros(5, dtype=np.float32)
    template[:2] = K[0, :]
    template[3:] = K[1, :]
    W = np.zeros((4, 9), dtype=np.float32)
    W[0, 0:5] = template
    W[1, 1:6] = template
    W[2, 3:8] = template
    W[3, 4:9] = template
    return W
