"""How far can any model get on the online-retail churn task? (issue 5, ADR 0002)

A diagnostic, not product code: it asks whether the goal of issue 5 (ROC AUC >= 0.76,
PR AUC >= 0.65 on data/online-retail's task) is reachable with the signals this data holds,
including product identity, which the app does not store. It uses Debian's scientific Python:

    apt-get install python3-sklearn python3-pandas
    /usr/bin/python3 docs/research/online_retail_ceiling.py [path/to/online_retail.csv.gz]

Rows "past labels" follow the product's rules (trained on cut-offs whose labels end by C).
Rows "test-season CV" are 5-fold cross-validation inside the test population, i.e. trained on the
test horizon's own labels, which no shop has when it scores: an upper bound, never a result.
"""

import json
import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from scipy.special import gammaln
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "data/online-retail/online_retail.csv.gz"
C = pd.Timestamp("2011-09-09")
H = 90
DAY = pd.Timedelta(days=1)

raw = pd.read_csv(SOURCE, dtype={"InvoiceNo": str, "StockCode": str})
raw = raw[raw.CustomerID.notna()].copy()
raw["cust"] = raw.CustomerID.astype(int)
raw["day"] = pd.to_datetime(raw.InvoiceDate).dt.normalize()
cancellations = raw[raw.InvoiceNo.str.startswith("C")]
lines = raw[~raw.InvoiceNo.str.startswith("C") & (raw.Quantity > 0)].copy()
lines["amt"] = lines.Quantity * lines.UnitPrice
days = (
    lines.groupby(["cust", "day"])
    .agg(amt=("amt", "sum"), inv=("InvoiceNo", "nunique"), li=("StockCode", "size"))
    .reset_index()
)
country = lines.groupby("cust").Country.agg(lambda s: s.mode().iloc[0])


def bgnbd_fit(x, tx, T):
    def nll(p):
        r, al, a, b = np.exp(p)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(al)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(al + T)
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-9)) - (r + x) * np.log(al + tx), -np.inf)
        return -np.sum(a1 + a2 + np.logaddexp(a3, a4))

    res = minimize(nll, np.log([0.5, 50, 0.5, 3]), method="Nelder-Mead",
                   options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6})
    return np.exp(res.x)


def bgnbd_no_purchase(p, x, tx, T, h):
    r, al, a, b = p
    alive = 1 / (1 + np.where(x > 0, (a / np.maximum(b + x - 1, 1e-9)) * ((al + T) / (al + tx)) ** (r + x), 0))
    return (1 - alive) + alive * ((al + T) / (al + T + h)) ** (r + x)


BASE = ["lrec", "lT", "ln", "lrev", "laov", "ln90", "bg", "lli", "llast", "uk"]


def snapshot(c):
    """The app's ten inputs (ADR 0002) and the label, for everyone who bought by c."""
    d = days[days.day <= c]
    g = d.groupby("cust")
    f = pd.DataFrame({"first": g.day.min(), "last": g.day.max(), "n": g.size(), "rev": g.amt.sum(),
                      "inv": g.inv.sum(), "li": g.li.sum()})
    rec = (c - f["last"]).dt.days
    T = (c - f["first"]).dt.days
    n90 = d[d.day > c - 90 * DAY].groupby("cust").size().reindex(f.index).fillna(0)
    last = d.sort_values("day").groupby("cust").tail(1).set_index("cust")
    x, tx = (f.n - 1).values, (f["last"] - f["first"]).dt.days.values
    pn = np.clip(bgnbd_no_purchase(bgnbd_fit(x, tx, T.values), x, tx, T.values, H), 1e-6, 1 - 1e-6)
    X = pd.DataFrame({
        "lrec": np.log1p(rec), "lT": np.log1p(T), "ln": np.log1p(f.n), "lrev": np.log1p(f.rev.clip(lower=0)),
        "laov": np.log1p((f.rev / f.n).clip(lower=0)), "ln90": np.log1p(n90), "bg": np.log(pn / (1 - pn)),
        "lli": np.log(f.li / f.inv), "llast": np.log((last.li / last.inv).reindex(f.index)),
        "uk": (country.reindex(f.index) == "United Kingdom").astype(float),
    }, index=f.index)
    buyers = days[(days.day > c) & (days.day <= c + H * DAY)].cust.unique()
    return X, pd.Series((~f.index.isin(buyers)).astype(int), index=f.index)


def wide_inputs(X, c):
    """Every other candidate signal: units, prices, products, cancellations, season, intervals."""
    X = X.copy()
    past = lines[lines.day <= c]
    g = past.groupby("cust")
    X["ncanc"] = np.log1p(cancellations[cancellations.day <= c].groupby("cust").InvoiceNo.nunique()
                          .reindex(X.index).fillna(0))
    X["lunits"] = np.log1p(g.Quantity.sum() / g.InvoiceNo.nunique()).reindex(X.index)
    X["lprice"] = np.log1p(g.amt.sum() / g.Quantity.sum()).reindex(X.index)
    X["lprods"] = np.log1p(g.StockCode.nunique()).reindex(X.index)
    X["xmas"] = X.index.isin(past[past.Description.fillna("").str.contains("CHRISTMAS")].cust.unique()).astype(float)
    lo, hi = c + DAY - 365 * DAY, c + H * DAY - 365 * DAY
    X["season"] = X.index.isin(days[(days.day >= lo) & (days.day <= hi)].cust.unique()).astype(float)
    for w in (30, 60, 180):
        X[f"n{w}"] = np.log1p(days[(days.day <= c) & (days.day > c - w * DAY)].groupby("cust").size()
                              .reindex(X.index).fillna(0))
    d = days[days.day <= c].sort_values(["cust", "day"]).copy()
    d["gap"] = d.groupby("cust").day.diff().dt.days
    X["gmean"] = np.log1p(d.groupby("cust").gap.mean()).reindex(X.index).fillna(-1)
    X["gstd"] = np.log1p(d.groupby("cust").gap.std()).reindex(X.index).fillna(-1)
    X["lastgap"] = np.log1p(d.groupby("cust").gap.last()).reindex(X.index).fillna(-1)
    X["country"] = country.reindex(X.index).astype("category").cat.codes
    return X


def product_embedding(index, c, basis_cut, k=20):
    """Unsupervised: tf-idf of the products each customer bought, reduced to k components."""
    past = lines[lines.day <= basis_cut]
    codes = pd.Index(past.StockCode.unique())

    def matrix(cut, idx):
        cp = past[past.day <= cut][["cust", "StockCode"]].drop_duplicates()
        cp = cp[cp.cust.isin(idx)]
        pos = pd.Series(np.arange(len(idx)), index=idx)
        return csr_matrix((np.ones(len(cp)), (pos[cp.cust].values, codes.get_indexer(cp.StockCode))),
                          shape=(len(idx), len(codes)))

    return matrix, codes


def metrics(y, p):
    y, p = np.asarray(y), np.asarray(p)
    top = y[np.argsort(-p, kind="stable")[: len(y) // 10]]
    return {"roc_auc": round(roc_auc_score(y, p), 4), "pr_auc": round(average_precision_score(y, p), 4),
            "precision_at_10": round(top.mean(), 4), "brier": round(float(np.mean((p - y) ** 2)), 4)}


def logistic(A, y, B):
    mu, sd = A.mean(), A.std().replace(0, 1)
    return LogisticRegression(C=0.1, max_iter=3000).fit((A - mu) / sd, y).predict_proba((B - mu) / sd)[:, 1]


def boosted(A, y, B):
    return HistGradientBoostingClassifier(max_depth=3, learning_rate=0.03, max_iter=300, min_samples_leaf=40,
                                          l2_regularization=1.0, random_state=0).fit(A, y).predict_proba(B)[:, 1]


results = {}
cuts = [C - (H + 14 * k) * DAY for k in range(7)]
snaps = {c: snapshot(c) for c in cuts + [C]}
Xt, yt = snaps[C]

# 1. The product's recipe (must equal `npm run eval -- --dataset online-retail`).
Xtr = pd.concat([snaps[c][0] for c in cuts])
ytr = pd.concat([snaps[c][1] for c in cuts])
results["past labels: the app's 10 inputs (= npm run eval)"] = metrics(yt, logistic(Xtr[BASE], ytr, Xt[BASE]))

# 2. The same recipe plus a product embedding (basis from purchases up to C only).
matrix, _ = product_embedding(Xt.index, C, C)
tfidf = TfidfTransformer().fit(matrix(C, Xt.index))
svd = TruncatedSVD(20, random_state=0).fit(tfidf.transform(matrix(C, Xt.index)))
emb = {c: pd.DataFrame(svd.transform(tfidf.transform(matrix(c, snaps[c][0].index))), index=snaps[c][0].index,
                       columns=[f"svd{i}" for i in range(20)]) for c in cuts + [C]}
cols = BASE + list(emb[C].columns)
Xtr_e = pd.concat([snaps[c][0].join(emb[c]) for c in cuts])
results["past labels: + product embedding"] = metrics(yt, logistic(Xtr_e[cols], ytr, Xt.join(emb[C])[cols]))

# 3. Upper bounds: trained on the test season's own labels (5-fold CV inside the test population).
W = wide_inputs(Xt, C).join(emb[C])
folds = StratifiedKFold(5, shuffle=True, random_state=0)
wide_cols = [c for c in W.columns if not c.startswith("svd")]
for name, columns, learner in [
    ("test-season CV: the app's 10 inputs, logistic", BASE, logistic),
    ("test-season CV: every candidate, logistic", wide_cols, logistic),
    ("test-season CV: every candidate + products, logistic", list(W.columns), logistic),
    ("test-season CV: every candidate, boosted trees", wide_cols, boosted),
]:
    p = np.zeros(len(W))
    for tr, te in folds.split(W, yt):
        p[te] = learner(W.iloc[tr][columns], yt.iloc[tr], W.iloc[te][columns])
    results[name] = metrics(yt, p)

width = max(len(k) for k in results)
for name, m in results.items():
    print(f"{name:<{width}}  " + "  ".join(f"{k} {v:.4f}" for k, v in m.items()))
print(json.dumps(results))
