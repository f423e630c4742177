# expect: wrong_answer
# mistake: nn.ConvTranspose nests its params in a submodule; create kernel and bias with self.param.
# label: init
import flax.linen as nn


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        y = nn.ConvTranspose(
            features=int(self.features),
            kernel_size=(int(self.kernel_size),),
            strides=(int(self.stride),),
            padding="SAME",
        )(x[None])
        return y[0].reshape(-1)
