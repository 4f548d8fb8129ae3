"""用于 used by claims_linear_activations.py (--vanishing-gradients, --exploding-gradients) and
beyond_activations.py (--init-gains).

信号穿过深度 / A signal through a stack of layers: forward through z = layer(h), h = act(z),
then one backward pass that leaves each layer's ∂L/∂z in z.grad. The two scripts build their
stacks differently (nn.Linear modules in float32; every seed at once with bmm in float64), and
run them through this one loop.
"""


def signal_through(h, layers, activation, readout=None):
    """``h`` through each of ``layers`` (z = layer(h), then h = activation(z)); returns the zs,
    first layer first. With ``readout`` (the loss as a function of the last h), backward() of
    it leaves ∂L/∂z in each z.grad (autograd would otherwise free them)."""
    zs = []
    for layer in layers:
        z = layer(h)
        if readout is not None:
            z.retain_grad()
        zs.append(z)
        h = activation(z)
    if readout is not None:
        readout(h).backward()
    return zs
