"""Tutorial 6: automatic differentiation, and a two-layer network trained with it.

The CSE 599W autodiff lecture, as code. There are three ways to get the
derivative of a program:

1. **symbolic differentiation**: differentiate the formula as a whole. Exact,
   but the expression of the derivative of a deep composition swells (each
   product rule doubles a term) and shares nothing;
2. **numerical differentiation**: ``(f(x + h) - f(x - h)) / 2h`` for each input
   element. Needs no rules, but costs two evaluations per element and is only
   approximate: it is the test oracle, not the method;
3. **automatic differentiation, reverse mode (backpropagation)**: walk the graph
   of operations from the output back to the inputs in reverse topological
   order; each operation sends its inputs the adjoint of its output times its
   local derivative, and each node's adjoint is the sum of what reaches it.
   One backward pass costs a small multiple of the forward one, for every input.

``te.gradient(output, inputs, head)`` does the third over tensor expressions:
the walk visits operations (stages), and the adjoint of each tensor is itself a
stage (``T.grad``) written in gather form, which the default schedules, ``lower``,
``build`` and ``export_library`` treat like any other.

Then we train a two-layer perceptron (dense, relu, dense, softmax cross-entropy)
on a synthetic data set (Gaussian blobs on two rings, which one linear layer
cannot separate) with
gradients from ``te.gradient``, checked numerically, and compare the time of one
logistic-regression gradient (tutorial 05's model) by ``te.gradient`` with the
hand-written kernel of tutorial 05. Run ``python tutorials/06_autodiff.py``
(``--quick`` for a small problem).
"""

import sys
import time

import numpy as np

import tecomp as te
import tecomp.testing  # noqa: F401  (te.testing.check_numerical_grads)
from tecomp import topi

QUICK = "--quick" in sys.argv
BATCH, FEATURES, HIDDEN, CLASSES = (32, 8, 16, 3) if QUICK else (128, 32, 64, 4)
SAMPLES = 512 if QUICK else 4096
STEPS = 150 if QUICK else 600
LEARNING_RATE = 0.2


def ok(message):
    print(f"[ok] {message}")


# 1. Three ways to differentiate, on f(x) = sigmoid(x * w) * x -------------------
x = te.placeholder((5,), dtype="float64", name="x")
w = te.placeholder((5,), dtype="float64", name="w")
f = te.compute((5,), lambda i: te.sigmoid(x[i] * w[i]) * x[i], name="f")
k = te.reduce_axis((0, 5), name="k")
total = te.compute((1,), lambda _: te.sum(f[k], axis=k), name="total")
(dx,) = te.gradient(total, [x])
run_f = te.build(te.create_schedule(total.op), [x, w, total])
run_dx = te.build(te.create_schedule(dx.op), [dx, x, w])
xv, wv = np.linspace(-1, 1, 5), np.linspace(0.5, 1.5, 5)
s_ = 1 / (1 + np.exp(-xv * wv))
symbolic = s_ * (1 - s_) * wv * xv + s_          # by the product and chain rules
out = np.zeros(1)


def total_at(values):
    run_f(values, wv, out)
    return out[0]


numeric = np.array([(total_at(xv + h) - total_at(xv - h)) / 2e-6
                    for h in np.eye(5) * 1e-6])
auto = np.zeros(5)
run_dx(auto, xv, wv)
print("symbolic  ", np.round(symbolic, 6))
print("numerical ", np.round(numeric, 6))
print("reverse   ", np.round(auto, 6))
np.testing.assert_allclose(auto, symbolic, rtol=1e-12)
np.testing.assert_allclose(numeric, symbolic, rtol=1e-8)
ok("symbolic, numerical and reverse-mode derivatives agree")


# 2. The network and the reverse walk over its operations ------------------------
def network(dtype, batch):
    X = te.placeholder((batch, FEATURES), dtype=dtype, name="X")
    Y = te.placeholder((batch, CLASSES), dtype=dtype, name="Y")       # one-hot labels
    W1 = te.placeholder((HIDDEN, FEATURES), dtype=dtype, name="W1")
    b1 = te.placeholder((HIDDEN,), dtype=dtype, name="b1")
    W2 = te.placeholder((CLASSES, HIDDEN), dtype=dtype, name="W2")
    b2 = te.placeholder((CLASSES,), dtype=dtype, name="b2")
    hidden = topi.nn.relu(topi.nn.dense(X, W1, b1))
    logits = topi.nn.dense(hidden, W2, b2)
    loss = topi.nn.softmax_cross_entropy(logits, Y)
    return (X, Y), (W1, b1, W2, b2), logits, loss


data_in, params, logits, loss = network("float32", BATCH)
print("\nforward operations, producers first:")
for op in te.te.tensor.post_order([loss.op]):
    print(f"  {op.name}")
print("\nthe backward walk (reverse topological order), adjoints as they are created:")
grads = te.gradient(loss, list(params), trace=lambda line: print("  " + line[:150]))
print("gradients:", [g.name for g in grads])
ok("te.gradient walked the graph in reverse and summed the adjoints reaching each tensor")

# One kernel: the loss and every gradient, the forward stages shared, default schedules.
train_step = te.build(topi.generic.schedule_auto([loss] + grads),
                      list(data_in) + list(params) + [loss] + grads, name="train_step")
if not QUICK:
    print(te.lower(topi.generic.schedule_auto(grads[0]), list(data_in) + list(params)
                   + [grads[0]], name="dW1"))

# 3. A data set: Gaussian blobs on a ring, not linearly separable by one layer ----
rng = np.random.default_rng(0)
labels = rng.integers(0, CLASSES, SAMPLES)
angle = labels * (2 * np.pi / CLASSES) + rng.normal(0, 0.25, SAMPLES)
radius = 1.0 + (labels % 2) * 1.5 + rng.normal(0, 0.15, SAMPLES)
data = np.zeros((SAMPLES, FEATURES), "float32")
data[:, 0], data[:, 1] = radius * np.cos(angle), radius * np.sin(angle)
data[:, 2:] = rng.normal(0, 0.1, (SAMPLES, FEATURES - 2))
onehot = np.eye(CLASSES, dtype="float32")[labels]

# 4. A numerical gradient check of te.gradient, in float64 -------------------------
data64, params64, _, loss64 = network("float64", 8)
grads64 = te.gradient(loss64, list(params64))
f64 = te.build(te.create_schedule(loss64.op), list(data64) + list(params64) + [loss64])
g64 = te.build(te.create_schedule([g.op for g in grads64]),
               list(data64) + list(params64) + grads64)
shapes = [tuple(int(d) for d in p.shape) for p in params64]
values = [rng.normal(0, 0.5, s) for s in shapes]
batch64 = [data[:8].astype("float64"), onehot[:8].astype("float64")]
analytic = [np.zeros(s) for s in shapes]
g64(*batch64, *values, *analytic)


def loss_of(*ps):
    out64 = np.zeros(1)
    f64(*batch64, *ps, out64)
    return out64[0]


te.testing.check_numerical_grads(loss_of, values, analytic, delta=1e-6, atol=1e-8, rtol=1e-6)
ok("te.gradient matches central differences for W1, b1, W2, b2 (float64)")

# 5. Train with SGD, every step compiled kernels ------------------------------------
lr = te.const(LEARNING_RATE, "float32")
updates = []
for p in params:
    P = te.placeholder(p.shape, name="P")
    G = te.placeholder(p.shape, name="G")
    new = te.compute(p.shape, lambda *i: P(*i) - lr * G(*i), name="P_new")
    updates.append(te.build(topi.generic.schedule_injective(new), [P, G, new], name="sgd"))
weights = [rng.normal(0, 1 / np.sqrt(s[-1]), s).astype("float32") if len(s) == 2
           else np.zeros(s, "float32") for s in [tuple(int(d) for d in p.shape) for p in params]]
gradients = [np.empty_like(wt) for wt in weights]
step_loss = np.zeros(1, "float32")
losses = []
batches = SAMPLES // BATCH
for step in range(STEPS):
    lo = (step % batches) * BATCH
    train_step(data[lo:lo + BATCH], onehot[lo:lo + BATCH], *weights, step_loss, *gradients)
    for k in range(len(weights)):
        updates[k](weights[k], gradients[k], weights[k])   # in place: W = W - lr * dW
    losses.append(float(step_loss[0]))
    if step % (STEPS // 5) == 0 or step == STEPS - 1:
        print(f"step {step:4d}  loss {losses[-1]:.4f}")
first, last = np.mean(losses[:batches]), np.mean(losses[-batches:])
assert last < 0.5 * first, f"loss did not fall enough: {first:.4f} -> {last:.4f}"
ok(f"loss fell from {first:.4f} to {last:.4f}")

(Xa, _), params_all, logits_all, _ = network("float32", SAMPLES)
predict = te.build(topi.generic.schedule_auto(logits_all), [Xa] + list(params_all) + [logits_all])
scores = np.zeros((SAMPLES, CLASSES), "float32")
predict(data, *weights, scores)
h = np.maximum(data @ weights[0].T + weights[1], 0)
np.testing.assert_allclose(scores, h @ weights[2].T + weights[3], rtol=1e-3, atol=1e-3)
accuracy = float(np.mean(scores.argmax(1) == labels))
print(f"training accuracy {accuracy:.3f}")
assert accuracy > 0.85, f"accuracy too low: {accuracy:.3f}"
ok(f"a two-layer network trained on te.gradient reaches accuracy {accuracy:.3f}")

# 6. te.gradient against tutorial 05's hand-written gradient (logistic regression) --
LB, LF, LC = (64, 10, 3) if QUICK else (256, 64, 10)
X = te.placeholder((LB, LF), name="X")
Yl = te.placeholder((LB, LC), name="Y")
W = te.placeholder((LF, LC), name="W")
logits_lr = topi.matmul(X, W)
(dW_auto,) = te.gradient(topi.nn.softmax_cross_entropy(logits_lr, Yl), [W])
auto_step = te.build(topi.generic.schedule_auto(dW_auto), [X, Yl, W, dW_auto], name="auto")
# Tutorial 05's hand-written kernel: dW = X^T (softmax(X W) - Y) / batch, given P.
Pp = te.placeholder((LB, LC), name="P")
diff = te.compute((LB, LC), lambda b, j: (Pp[b, j] - Yl[b, j]) / LB, name="diff")
b_ = te.reduce_axis((0, LB), name="b")
dW_hand = te.compute((LF, LC), lambda i, j: te.sum(X[b_, i] * diff[b_, j], axis=b_), name="dW")
s = te.create_schedule(dW_hand.op)
s[diff].compute_inline()
s[dW_hand].reorder(b_, dW_hand.op.axis[0], dW_hand.op.axis[1])
hand_grad = te.build(s, [X, Pp, Yl, dW_hand], name="gradient")
P_lr = topi.nn.softmax(topi.matmul(X, W))
hand_forward = te.build(topi.generic.schedule_softmax(P_lr), [X, W, P_lr], name="probs")
xl = rng.normal(0, 1, (LB, LF)).astype("float32")
yl = np.eye(LC, dtype="float32")[rng.integers(0, LC, LB)]
wl = rng.normal(0, 0.1, (LF, LC)).astype("float32")
g_auto, g_hand, probs = (np.zeros((LF, LC), "float32"), np.zeros((LF, LC), "float32"),
                         np.zeros((LB, LC), "float32"))


def hand_step():
    hand_forward(xl, wl, probs)
    hand_grad(xl, probs, yl, g_hand)


def time_of(fn, repeat=50 if QUICK else 300):
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


t_auto = time_of(lambda: auto_step(xl, yl, wl, g_auto))
t_hand = time_of(hand_step)
np.testing.assert_allclose(g_auto, g_hand, rtol=1e-4, atol=1e-6)
print(f"logistic-regression gradient ({LB}x{LF} -> {LC}): te.gradient {t_auto * 1e6:.1f} us, "
      f"hand-written (tutorial 05: softmax kernel + gradient kernel) {t_hand * 1e6:.1f} us")
ok("te.gradient's kernel computes tutorial 05's hand-written gradient")
