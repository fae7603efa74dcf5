"""Numeric checks with TVM's signatures: ``assert_allclose`` and
``check_numerical_grads`` (finite differences against analytical gradients)."""

import logging

import numpy as np


def assert_allclose(actual, desired, rtol=1e-7, atol=1e-7):
    """``numpy.testing.assert_allclose`` that first requires equal shapes.

    Not symmetric: ``|actual - desired| <= atol + rtol * |desired|`` elementwise.
    Accepts numpy arrays, tecomp NDArrays and anything ``np.asanyarray`` takes."""
    actual = np.asanyarray(actual)
    desired = np.asanyarray(desired)
    np.testing.assert_allclose(actual.shape, desired.shape)
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, verbose=True)


def _as_keyword_function(function, input_values, grad_values):
    """Positional inputs become keywords "0", "1", ... so one code path serves both."""
    if isinstance(input_values, dict):
        return function, dict(input_values), dict(grad_values)
    count = len(input_values)

    def keyword_function(**kwargs):
        return function(*(kwargs[str(i)] for i in range(count)))

    return (keyword_function, {str(i): v for i, v in enumerate(input_values)},
            {str(i): v for i, v in enumerate(grad_values)})


def _numerical_derivative(function, inputs, name, j, value, delta, grad, atol, rtol):
    """d function / d inputs[name].flat[j] by forward, then central, then five-point
    differences, stopping as soon as one agrees with ``grad.flat[j]``."""

    def shifted(step):
        moved = inputs[name].copy()
        moved.reshape(-1)[j] += step
        return (function(**{**inputs, name: moved}) - value) / step

    def agrees(estimate):
        return abs(estimate - grad.reshape(-1)[j]) < atol + rtol * abs(estimate)

    estimate = shifted(delta)
    if agrees(estimate):
        return estimate, True
    estimate = (shifted(-delta) + estimate) / 2
    if agrees(estimate):
        return estimate, True
    half = (shifted(delta / 2) + shifted(-delta / 2)) / 2
    estimate = (4 * half - estimate) / 3
    return estimate, agrees(estimate)


def check_numerical_grads(function, input_values, grad_values, function_value=None,
                          delta=1e-3, atol=1e-2, rtol=0.1):
    """Check analytical gradients against finite differences (TVM's signature).

    Parameters
    ----------
    function : callable
        Takes the inputs positionally (when ``input_values`` is a list) or by keyword
        (when it is a dict) and returns a scalar.
    input_values : list or dict of numpy.ndarray
        The point at which the gradients are taken.
    grad_values : list or dict of numpy.ndarray
        The gradients to check, one per input, same shapes.
    function_value : float, optional
        ``function`` at ``input_values`` (computed when not given).
    delta, atol, rtol : float
        Step of the differences; the tolerance is ``atol * sqrt(n) + rtol * |numerical|``
        on the Euclidean distance of the whole gradient of n elements.

    Raises
    ------
    AssertionError
        Naming the input whose gradient differs, with the first wrong positions.
    ValueError
        When a numerical gradient is not finite.
    """
    function, inputs, grads = _as_keyword_function(function, input_values, grad_values)
    inputs = {k: np.asarray(v) for k, v in inputs.items()}
    if function_value is None:
        function_value = function(**inputs)
    for name, grad in grads.items():
        grad = np.asarray(grad)
        if grad.shape != inputs[name].shape:
            raise AssertionError(f"Gradient wrt '{name}' has unexpected shape {grad.shape}, "
                                 f"expected {inputs[name].shape}")
        numerical = np.zeros(grad.shape, dtype="float64")
        wrong = []
        for j in range(grad.size):
            estimate, ok = _numerical_derivative(function, inputs, name, j, function_value,
                                                 delta, grad, atol, rtol)
            numerical.reshape(-1)[j] = estimate
            if not ok:
                wrong.append(np.unravel_index(j, grad.shape))
        dist = float(np.sqrt(np.sum((numerical - grad) ** 2)))
        norm = float(np.sqrt(np.sum(numerical ** 2)))
        if not (np.isfinite(dist) and np.isfinite(norm)):
            raise ValueError(f"NaN or infinity in numerical gradient checking wrt '{name}'\n"
                             f"analytical grad = {grad}\n numerical grad = {numerical}\n")
        sqrt_n = float(np.sqrt(grad.size))
        if dist > atol * sqrt_n + rtol * norm:
            raise AssertionError(
                f"Analytical and numerical grads wrt '{name}' differ too much\n"
                f"analytical grad = {grad}\n numerical grad = {numerical}\n"
                f"{100 * len(wrong) // grad.size}% of elements differ, first 10 of wrong "
                f"positions: {wrong[:10]}\ndistance {dist} > {atol}*{sqrt_n} + {rtol}*{norm}")
        logging.info("Numerical grad test wrt '%s' of shape %s passes, dist = %f", name,
                     grad.shape, dist)
