def scale(x):
    raise NotImplementedError
