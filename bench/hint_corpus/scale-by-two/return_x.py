# label: scale
# The issue #18 trap: on [1, 2] the output [1, 2] "is" [2, 4] shifted by one.
def scale(x):
    return x
