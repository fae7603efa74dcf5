"""Tutorial 5: logistic regression, trained with tecomp kernels only.

The CSE 599W lecture-3 example. A (multinomial) logistic regression maps a
batch ``X`` of shape ``(batch, features)`` through weights ``W`` of shape
``(features, classes)`` to class probabilities and a loss::

    logits = X @ W                       (topi.matmul)
    P      = softmax(logits)             (topi.nn.softmax)
    loss   = mean(-sum(Y * log P, 1))    (topi.nn.softmax_cross_entropy)

Its gradient, written out by hand as a tensor expression, is::

    dW = X^T (P - Y) / batch

We check it against a numerical gradient (central differences on the compiled
loss, in float64, as the course's autodiff lecture recommends), then train with
stochastic gradient descent on a synthetic data set (Gaussian blobs, one per
class). Every step runs compiled kernels: forward, gradient, the SGD update and
the accuracy count. Run: ``python tutorials/05_logistic_regression.py``
(``--quick`` for a small problem).
"""

import sys

import numpy as np

import tecomp as tvm          # classic TVM spelling: the course's code ports unchanged
from tecomp import topi

import plots

QUICK = "--quick" in sys.argv
BATCH, FEATURES, CLASSES = (64, 10, 3) if QUICK else (256, 64, 10)
SAMPLES = 512 if QUICK else 8192
STEPS = 60 if QUICK else 400
LEARNING_RATE = 0.5
ctx = tvm.cpu(0)


def ok(message):
    print(f"[ok] {message}")


# 1. The forward graph -------------------------------------------------------
def build_forward(dtype):
    """``(X, Y, W) -> (P, loss)``: probabilities and the mean cross-entropy."""
    X = tvm.placeholder((BATCH, FEATURES), dtype=dtype, name="X")
    Y = tvm.placeholder((BATCH, CLASSES), dtype=dtype, name="Y")
    W = tvm.placeholder((FEATURES, CLASSES), dtype=dtype, name="W")
    logits = topi.matmul(X, W)
    P = topi.nn.softmax(logits)
    loss = topi.nn.softmax_cross_entropy(logits, Y)
    s = topi.generic.schedule_auto([P, loss])
    return tvm.build(s, [X, Y, W, P, loss], "llvm", target_host="llvm", name="forward")


# 2. The gradient, by hand -----------------------------------------------------
def build_gradient(dtype):
    """``(X, P, Y) -> dW`` with ``dW[i, j] = sum_b X[b, i] * (P[b, j] - Y[b, j]) / batch``."""
    X = tvm.placeholder((BATCH, FEATURES), dtype=dtype, name="X")
    P = tvm.placeholder((BATCH, CLASSES), dtype=dtype, name="P")
    Y = tvm.placeholder((BATCH, CLASSES), dtype=dtype, name="Y")
    diff = tvm.compute((BATCH, CLASSES), lambda b, j: (P[b, j] - Y[b, j]) / BATCH, name="diff")
    b = tvm.reduce_axis((0, BATCH), name="b")
    dW = tvm.compute((FEATURES, CLASSES), lambda i, j: tvm.sum(X[b, i] * diff[b, j], axis=b),
                     name="dW")
    s = tvm.create_schedule(dW.op)
    s[diff].compute_inline()
    s[dW].reorder(b, dW.op.axis[0], dW.op.axis[1])   # stream over the batch rows once
    if dtype == "float32":
        print(tvm.lower(s, [X, P, Y, dW], name="gradient", simple_mode=True))
    return tvm.build(s, [X, P, Y, dW], "llvm", name="gradient")


# 3. The SGD update and the accuracy count ------------------------------------
def build_sgd_update(dtype):
    W = tvm.placeholder((FEATURES, CLASSES), dtype=dtype, name="W")
    dW = tvm.placeholder((FEATURES, CLASSES), dtype=dtype, name="dW")
    W_new = tvm.compute(W.shape, lambda *i: W(*i) - LEARNING_RATE * dW(*i), name="W_new")
    return tvm.build(tvm.create_schedule(W_new.op), [W, dW, W_new], "llvm", name="sgd_update")


def build_accuracy(dtype):
    """The number of rows whose most probable class is the labelled one."""
    P = tvm.placeholder((SAMPLES, CLASSES), dtype=dtype, name="P")
    Y = tvm.placeholder((SAMPLES, CLASSES), dtype=dtype, name="Y")
    k = tvm.reduce_axis((0, CLASSES), name="k")
    best = tvm.compute((SAMPLES,), lambda b: tvm.max(P[b, k], axis=k), name="best")
    j = tvm.reduce_axis((0, CLASSES), name="j")
    hit = tvm.compute((SAMPLES,), lambda b: tvm.sum(
        tvm.select(P[b, j] == best[b], Y[b, j], tvm.const(0, dtype)), axis=j), name="hit")
    r = tvm.reduce_axis((0, SAMPLES), name="r")
    correct = tvm.compute((1,), lambda _: tvm.sum(hit[r], axis=r), name="correct")
    return tvm.build(tvm.create_schedule(correct.op), [P, Y, correct], "llvm", name="accuracy")


def build_predict(dtype):
    X = tvm.placeholder((SAMPLES, FEATURES), dtype=dtype, name="X")
    W = tvm.placeholder((FEATURES, CLASSES), dtype=dtype, name="W")
    P = topi.nn.softmax(topi.matmul(X, W))
    return tvm.build(topi.generic.schedule_softmax(P), [X, W, P], "llvm", name="predict")


# 4. A synthetic data set: one Gaussian blob per class --------------------------
rng = np.random.default_rng(0)
centers = rng.standard_normal((CLASSES, FEATURES)) * (1.5 if QUICK else 0.5)
labels = rng.integers(0, CLASSES, SAMPLES)
data = (centers[labels] + rng.standard_normal((SAMPLES, FEATURES))).astype("float32")
onehot = np.eye(CLASSES, dtype="float32")[labels]

# 5. Check the forward pass against numpy and the gradient numerically ---------
forward64, gradient64 = build_forward("float64"), build_gradient("float64")
x64 = tvm.nd.array(data[:BATCH].astype("float64"), ctx)
y64 = tvm.nd.array(onehot[:BATCH].astype("float64"), ctx)
w64 = rng.standard_normal((FEATURES, CLASSES)) * 0.1
p64, loss64 = tvm.nd.empty((BATCH, CLASSES), "float64", ctx), tvm.nd.empty((1,), "float64", ctx)


def loss_at(w):
    forward64(x64, y64, tvm.nd.array(w, ctx), p64, loss64)
    return float(loss64.asnumpy()[0])


logits_np = x64.asnumpy() @ w64
prob_np = np.exp(logits_np - logits_np.max(1, keepdims=True))
prob_np /= prob_np.sum(1, keepdims=True)
loss_np = np.mean(-np.sum(y64.asnumpy() * np.log(prob_np), axis=1))
np.testing.assert_allclose(loss_at(w64), loss_np, rtol=1e-10)
np.testing.assert_allclose(p64.asnumpy(), prob_np, rtol=1e-10)
ok(f"forward pass (matmul, softmax, cross-entropy) matches numpy: loss {loss_np:.6f}")

analytic = tvm.nd.empty((FEATURES, CLASSES), "float64", ctx)
loss_at(w64)
gradient64(x64, p64, y64, analytic)
numeric = np.zeros_like(w64)
eps = 1e-6
for index in np.ndindex(*w64.shape):
    plus, minus = w64.copy(), w64.copy()
    plus[index] += eps
    minus[index] -= eps
    numeric[index] = (loss_at(plus) - loss_at(minus)) / (2 * eps)
error = np.abs(numeric - analytic.asnumpy()).max() / np.abs(numeric).max()
assert error < 1e-6, f"gradient check failed: relative error {error:.2e}"
ok(f"hand-written gradient matches the numerical gradient (relative error {error:.1e})")

# 6. Train with SGD, every step a compiled kernel ------------------------------
forward, gradient = build_forward("float32"), build_gradient("float32")
sgd_update, accuracy, predict = build_sgd_update("float32"), build_accuracy("float32"), \
    build_predict("float32")
W = [tvm.nd.array(np.zeros((FEATURES, CLASSES), "float32"), ctx),
     tvm.nd.empty((FEATURES, CLASSES), "float32", ctx)]   # current and next weights
P = tvm.nd.empty((BATCH, CLASSES), "float32", ctx)
loss = tvm.nd.empty((1,), "float32", ctx)
dW = tvm.nd.empty((FEATURES, CLASSES), "float32", ctx)
batches = SAMPLES // BATCH
xs = [tvm.nd.array(data[k * BATCH:(k + 1) * BATCH], ctx) for k in range(batches)]
ys = [tvm.nd.array(onehot[k * BATCH:(k + 1) * BATCH], ctx) for k in range(batches)]
losses = []
for step in range(STEPS):
    x, y = xs[step % batches], ys[step % batches]
    forward(x, y, W[0], P, loss)
    gradient(x, P, y, dW)
    sgd_update(W[0], dW, W[1])
    W.reverse()
    losses.append(float(loss.asnumpy()[0]))
    if step % (STEPS // 6) == 0 or step == STEPS - 1:
        print(f"step {step:4d}  loss {losses[-1]:.4f}")

# Each line above is one batch's loss; an epoch (one pass over the data) has
# `batches` of them, and their mean says more than any single batch.
first, last = np.mean(losses[:batches]), np.mean(losses[-batches:])
print(f"mean loss over the first epoch ({batches} batches) {first:.4f}, "
      f"over the last epoch {last:.4f}")
assert last < 0.5 * first, f"loss did not fall enough: {first:.4f} -> {last:.4f}"
ok(f"epoch-mean loss fell from {first:.4f} to {last:.4f}")

probs = tvm.nd.empty((SAMPLES, CLASSES), "float32", ctx)
predict(tvm.nd.array(data, ctx), W[0], probs)
correct = tvm.nd.empty((1,), "float32", ctx)
accuracy(probs, tvm.nd.array(onehot, ctx), correct)
acc = float(correct.asnumpy()[0]) / SAMPLES
assert acc == np.mean(probs.asnumpy().argmax(1) == labels), "accuracy kernel disagrees with numpy"
assert acc > 0.9, f"accuracy too low: {acc:.3f}"
ok(f"final training accuracy {acc:.3f} (> 0.9)")

folder = plots.image_dir()
plots.finish([plots.loss_chart(folder / "logistic_regression_loss.png", losses, batches)], folder)
