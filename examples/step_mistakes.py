"""The mistakes learners make in the course's other assignments, one a function, written here:
``deepscratch check examples/step_mistakes.py`` names each (``tests/test_assignments_run.py``
checks that it does). ``examples/course_steps.py`` is the same file, right.
"""

import numpy as np

# --- Initialisation ------------------------------------------------------------------------------


def initialize_parameters_he(layers_dims):
    """Mistake: Xavier's scale, sqrt(1 / n_prev), for the ReLU layers He's initialisation is for."""
    parameters = {}
    for l in range(1, len(layers_dims)):
        scale = np.sqrt(1.0 / layers_dims[l - 1])
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * scale
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_deep(layer_dims):
    """Mistake: each W is transposed, (n_prev, n) instead of (n, n_prev)."""
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l - 1], layer_dims[l]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def initialize_parameters(n_x, n_h, n_y):
    """Mistake: the scale is forgotten (randn alone, standard deviation 1)."""
    W1 = np.random.randn(n_h, n_x)
    W2 = np.random.randn(n_y, n_h)
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def initialize_parameters_random(layers_dims):
    """Mistake: random biases; the course's start at zero."""
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.random.randn(layers_dims[l], 1)
    return parameters


# --- Gradient checking ---------------------------------------------------------------------------


def forward_propagation(x, theta):
    return theta * x


def backward_propagation(x, theta):
    """Mistake: dJ/dx, not dJ/dtheta."""
    return theta


def gradient_check(x, theta, epsilon=1e-7):
    """Mistake: a one-sided difference."""
    gradapprox = (forward_propagation(x, theta + epsilon) - forward_propagation(x, theta)) / epsilon
    grad = backward_propagation(x, theta)
    return np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))


SHAPES = [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]  # fmt: skip


def dictionary_to_vector(parameters):
    return np.concatenate([parameters[k].reshape(-1, 1) for k, _ in SHAPES]), [k for k, _ in SHAPES]


def vector_to_dictionary(theta):
    out, start = {}, 0
    for k, shape in SHAPES:
        out[k] = theta[start : start + shape[0] * shape[1]].reshape(shape)
        start += shape[0] * shape[1]
    return out


def gradients_to_vector(gradients):
    return np.concatenate([gradients["d" + k].reshape(-1, 1) for k, _ in SHAPES])


def forward_propagation_n(X, Y, parameters):
    cache, A = [], X
    for l in (1, 2, 3):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = W @ A + b
        A = np.maximum(Z, 0) if l < 3 else 1 / (1 + np.exp(-Z))
        cache += [Z, A, W, b]
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return cost, tuple(cache)


def backward_propagation_n(X, Y, cache):
    """Mistake (the assignment's own): dW2 is twice what it should be."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = dZ3 @ A2.T / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m
    dZ2 = (W3.T @ dZ3) * (A2 > 0)
    dW2 = dZ2 @ A1.T / m * 2
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (A1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW3": dW3, "db3": db3, "dW2": dW2, "db2": db2, "dW1": dW1, "db1": db1}


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    """Mistake: the L1 norm where the course's difference has the L2 norm."""
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus, minus = np.copy(theta), np.copy(theta)
        plus[i] += epsilon
        minus[i] -= epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(plus))
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(minus))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    return np.sum(np.abs(grad - gradapprox)) / (np.sum(np.abs(grad)) + np.sum(np.abs(gradapprox)))


# --- Gradient descent ----------------------------------------------------------------------------


def update_parameters_with_gd(parameters, grads, learning_rate):
    """Mistake: in place (that is fine), but the gradient is added."""
    for key in parameters:
        parameters[key] += learning_rate * grads["d" + key]
    return parameters
