"""The fast paths of large graders give exactly what their plain versions give: Arrow-backed comparisons, batched
edit distances, the text-column read and the joins that skip hashing when ids come in the answers' order. Each is
checked against the plain computation (the one the upstream parity tests cover) on generated inputs that include
missing cells, empty labels, repeats and non-text values."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from Levenshtein import distance

from inspect_mlebench.competitions import champs_scalar_coupling as champs
from inspect_mlebench.competitions import h_and_m_personalized_fashion_recommendations as hm
from inspect_mlebench.competitions import jigsaw_toxic_comment_classification_challenge as jigsaw
from inspect_mlebench.competitions import text_normalization
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context
from inspect_mlebench.tables import read_csv

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(alphabet=["a", "b", "é", "中", " ", "😀"], max_size=6)
ASCII = st.text(alphabet=["a", "b", "n", " ", "\t", "\x7f", "\x00"], max_size=6)
CELL = st.one_of(st.none(), st.just(float("nan")), st.integers(0, 9), st.just(1.0), TEXT)


def _plain_levenshtein_mean(truths: Sequence[object], preds: Sequence[object]) -> float:
    return float(np.mean([distance(str(a), str(b)) for a, b in zip(truths, preds, strict=True)]))


@SETTINGS
@given(st.lists(st.tuples(CELL, CELL, st.booleans()), min_size=1, max_size=25))
def test_levenshtein_mean_equals_pair_by_pair_distances(rows: list[tuple[object, object, bool]]) -> None:
    truths = [t for t, _, _ in rows]
    preds = [t if same else p for t, p, same in rows]  # many equal pairs, as in a good submission
    expected = _plain_levenshtein_mean(truths, preds)
    assert metrics.levenshtein_mean(np.array(truths, dtype=object), np.array(preds, dtype=object)) == expected
    as_text = [[v if isinstance(v, str) else None for v in side] for side in (truths, preds)]
    expected_text = _plain_levenshtein_mean(*[["nan" if v is None else v for v in side] for side in as_text])
    got = metrics.levenshtein_mean(pd.array(as_text[0], dtype="str"), pd.array(as_text[1], dtype="str"))
    assert got == expected_text


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.none(), ASCII), st.one_of(st.none(), ASCII)), min_size=1, max_size=25))
def test_levenshtein_mean_of_ascii_text_columns_equals_pair_by_pair_distances(
    rows: list[tuple[str | None, str | None]],
) -> None:
    # all ASCII: measured as bytes (the str columns of a submission read from CSV)
    truths, preds = ([row[i] for row in rows] for i in (0, 1))
    expected = _plain_levenshtein_mean(*[["nan" if v is None else v for v in side] for side in (truths, preds)])
    assert metrics.levenshtein_mean(pd.array(truths, dtype="str"), pd.array(preds, dtype="str")) == expected


def test_levenshtein_mean_refuses_unequal_lengths_and_is_nan_without_rows() -> None:
    with pytest.raises(ValueError, match="2 answers but 1 predictions"):
        metrics.levenshtein_mean(np.array(["a", "b"], dtype=object), np.array(["a"], dtype=object))
    assert np.isnan(metrics.levenshtein_mean(np.array([], dtype=object), np.array([], dtype=object)))


LABELS = st.text(alphabet=["1", "2", "3", "x", " "], max_size=12)


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.none(), LABELS), st.one_of(st.none(), LABELS)), min_size=1, max_size=20))
def test_map_at_k_texts_equals_map_at_k(rows: list[tuple[str | None, str | None]]) -> None:
    truths = [t for t, _ in rows]
    preds = [p for _, p in rows]
    for k in (1, 3, 12):
        expected = metrics.map_at_k(
            ["nan" if t is None else t for t in truths], ["nan" if p is None else p for p in preds], k=k
        )
        assert metrics.map_at_k_texts(np.array(truths, dtype=object), np.array(preds, dtype=object), k=k) == expected


@SETTINGS
@given(
    ids=st.lists(
        st.one_of(st.sampled_from(["", "NA", "null", "007", "1", "1.5", "True", "abc", '"x,y"', " z"]), TEXT),
        min_size=1,
        max_size=12,
    )
)
def test_read_submission_text_columns_equals_a_read_with_dtype_str(
    ids: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = Path(tmp_path_factory.mktemp("sub")) / "submission.csv"
    body = "".join(f"{i},{n}\n" for n, i in enumerate(ids))
    path.write_text("id,value\n" + body, encoding="utf-8")
    try:
        expected = read_csv(path, dtype={"id": str})
    except (pd.errors.ParserError, ValueError):
        return  # a file pandas cannot read either way is invalid either way (checked in test_bad_input)
    got = checks.read_submission(path, text_columns=["id"], allow_no_rows=True)
    pd.testing.assert_frame_equal(got, expected)


def _hm_files(data: st.DataObject) -> tuple[pd.DataFrame, pd.DataFrame]:
    draw = data.draw
    customers = draw(
        st.lists(st.sampled_from(["c0", "c1", "c2", "c3", "c4", "cé5"]), min_size=1, max_size=6, unique=True)
    )
    answered = customers[: draw(st.integers(1, len(customers)))]
    articles = st.lists(st.sampled_from(["0706016001", "0372860001", "0610776002", ""]), min_size=1, max_size=14)
    answers = pd.DataFrame({hm.ID: answered, hm.TARGET: [" ".join(draw(articles)) for _ in answered]})
    rows = draw(st.permutations(customers))
    rows = rows[draw(st.integers(0, 1)) :] + draw(st.lists(st.sampled_from(customers), max_size=2))  # drops, repeats
    submission = pd.DataFrame(
        {hm.ID: rows, hm.TARGET: [draw(st.one_of(st.just(""), st.just(" ".join(draw(articles))))) for _ in rows]}
    )
    # through CSV, as the grader gets them: Arrow-backed text, empty cells missing
    sub, ans = (pd.read_csv(io.StringIO(frame.to_csv(index=False))) for frame in (submission, answers))
    return sub, ans


def _outcome(grade: object, submission: pd.DataFrame, answers: pd.DataFrame) -> tuple[str, object]:
    try:
        return "score", grade(submission.copy(), answers.copy())  # type: ignore[operator]
    except InvalidSubmissionError as err:
        return "invalid", str(err)


@SETTINGS
@given(st.data())
def test_h_and_m_arrow_path_equals_the_object_path(data: st.DataObject) -> None:
    submission, answers = _hm_files(data)
    assert _outcome(hm.grade, submission, answers) == _outcome(hm._grade_objects, submission, answers)


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT)), min_size=1, max_size=20))
def test_text_normalization_arrow_accuracy_equals_the_object_one(rows: list[tuple[str | None, str | None]]) -> None:
    truth = pd.Series([t for t, _ in rows], dtype="str")
    predicted = pd.Series([p for _, p in rows], dtype="str")
    expected = metrics.accuracy(text_normalization._as_text(truth), text_normalization._as_text(predicted))
    assert text_normalization._text_accuracy(truth, predicted) == expected


def test_champs_in_order_ids_score_as_the_join_does() -> None:
    gen = np.random.default_rng(0)
    answers = pd.DataFrame(
        {
            champs.ID: np.arange(200),
            champs.TYPE: gen.choice(["1JHC", "2JHH", "3JHN"], 200),
            champs.TARGET: gen.normal(size=200),
        }
    )
    submission = pd.DataFrame({champs.ID: np.arange(200), champs.TARGET: gen.normal(size=200)})
    in_order = champs.grade(submission, answers)
    shuffled = submission.sample(frac=1.0, random_state=1).reset_index(drop=True)  # takes the join
    assert not checks.same_ids_in_order(shuffled[champs.ID], answers[champs.ID])
    assert checks.same_ids_in_order(submission[champs.ID], answers[champs.ID])
    assert in_order == champs.grade(shuffled, answers)


TAG_TEXT = st.text(alphabet=["a", "b", "#", " ", "\t", "\x1c", "\n", "é"], max_size=10)


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.none(), TAG_TEXT), st.one_of(st.none(), TAG_TEXT)), min_size=1, max_size=20))
def test_multilabel_micro_f1_in_arrow_equals_the_object_path(rows: list[tuple[str | None, str | None]]) -> None:
    truths = pd.array([t for t, _ in rows], dtype="str")
    preds = pd.array([p for _, p in rows], dtype="str")
    expected = metrics.multilabel_micro_f1(np.asarray(truths, dtype=object), np.asarray(preds, dtype=object))
    assert metrics.multilabel_micro_f1(truths, preds) == expected


def test_arrow_splits_ascii_whitespace_as_str_split() -> None:
    """The Arrow path of multilabel_micro_f1 relies on this for every ASCII character."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = [f" a{chr(c)}b{chr(c)}" for c in range(128)]
    split = pc.utf8_split_whitespace(pa.array(texts)).to_pylist()
    assert [[piece for piece in pieces if piece] for pieces in split] == [text.split() for text in texts]


def test_jigsaw_toxic_in_order_ids_score_and_warn_as_the_sorted_pairing() -> None:
    gen = np.random.default_rng(0)
    ids = [f"{i:016x}" for i in gen.choice(10**12, 300, replace=False)]
    labels = (gen.random((300, len(jigsaw.CLASSES))) < 0.3).astype(int)
    labels[::3] = -1  # rows the metric ignores
    answers = pd.DataFrame(labels, columns=jigsaw.CLASSES).assign(**{jigsaw.ID: ids})[[jigsaw.ID, *jigsaw.CLASSES]]
    scores = pd.DataFrame(gen.random((300, len(jigsaw.CLASSES))), columns=jigsaw.CLASSES)
    submission = scores.assign(**{jigsaw.ID: ids})[[jigsaw.ID, *jigsaw.CLASSES]]
    submission.loc[0, "toxic"] = np.nan  # in an ignored row: a warning, not invalid
    answers, submission = (pd.read_csv(io.StringIO(f.to_csv(index=False))) for f in (answers, submission))
    outcomes = []
    for frame in (submission, submission.sample(frac=1.0, random_state=2).reset_index(drop=True)):
        with grading_context() as warnings:
            outcomes.append((jigsaw.grade(frame.copy(), answers.copy()), list(warnings)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1]
    assert ids[0] in outcomes[0][1][0]


def test_mean_angular_error_in_blocks_equals_the_whole_computation() -> None:
    from inspect_mlebench.grading.metrics import spherical

    gen = np.random.default_rng(0)
    rows = 3 * spherical._BLOCK_ROWS + 17
    truth = np.column_stack([gen.uniform(0, 2 * np.pi, rows), gen.uniform(0, np.pi, rows)])
    predicted = np.column_stack([gen.uniform(0, 2 * np.pi, rows), gen.uniform(0, np.pi, rows)])
    predicted[:5] = truth[:5]  # exact rows: the clipped dot product gives 0 there
    assert metrics.mean_angular_error(truth, predicted) == float(np.mean(spherical._angles(truth, predicted)))


def test_positions_in_looks_slices_up_as_one_lookup_would() -> None:
    import pyarrow as pa

    value_set = pa.array([f"c{i}" for i in range(500)] + [None])
    values = pa.chunked_array(
        [
            pa.array([None if i % 997 == 0 else f"c{i % 700}" for i in range(start, start + 60_000)])
            for start in (0, 60_000)
        ]
    )
    got = checks.positions_in(values, value_set)
    plain = checks.positions_in(values.slice(0, 99_999), value_set)  # under the threshold: one lookup
    lookup = {v: i for i, v in enumerate(value_set.to_pylist())}
    assert got.tolist() == [lookup.get(v, -1) for v in values.to_pylist()]
    assert plain.tolist() == got[:99_999].tolist()


@pytest.mark.parametrize("positions", [[], [0], [2, 3, 4, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 6, 10]])
def test_take_ascending_takes_what_one_take_would(positions: list[int]) -> None:
    import pyarrow as pa

    chunks = [["a", None, "c"], [], ["d", "e"], ["f", "g", "h", "i", "j"], ["k"]]  # an empty chunk, one of one
    values = pa.chunked_array([pa.array(chunk, type=pa.large_string()) for chunk in chunks])
    index = np.array(positions, dtype=np.int64)
    got = checks.take_ascending(values, index)
    assert got.to_pylist() == values.take(pa.array(index)).to_pylist()
    assert checks.take_ascending(values.combine_chunks(), index).to_pylist() == got.to_pylist()


def test_map_at_k_text_rows_are_the_rows_map_at_k_texts_averages() -> None:
    truths = np.array(["1 2", "3", None, "x x 2", ""], dtype=object)
    preds = np.array(["2 1 1", "9 9 3", "nan", "2 x", None], dtype=object)
    rows = metrics.map_at_k_text_rows(truths, preds, k=2)
    # row 0: 2 and 1 right, the repeated 1 beyond k; row 1: 3 is third, beyond k; row 2: 'nan' predicts 'nan';
    # row 3: 2 then x, both right (x once in the answer's set); row 4: the empty label is not 'nan'
    assert rows.tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert float(np.mean(rows)) == metrics.map_at_k_texts(truths, preds, k=2)


@pytest.mark.parametrize("ids", [[1, 5, 9, 12], [0.5, 1.0, 7.25], [3]])
def test_sorted_by_id_skips_sorting_only_where_it_would_change_nothing(ids: list[float]) -> None:
    answers = pd.DataFrame({"id": ids, "y": range(len(ids))})
    submission = pd.DataFrame({"id": ids, "p": [v * 2.0 for v in range(len(ids))]})
    assert checks._already_sorted_alike(submission["id"], answers["id"])
    sub, ans = checks.sorted_by_id(submission, answers, "id")
    pd.testing.assert_frame_equal(sub, submission.sort_values("id").reset_index(drop=True))
    pd.testing.assert_frame_equal(ans, answers.sort_values("id").reset_index(drop=True))
    assert not checks._already_sorted_alike(submission["id"].astype(str), answers["id"].astype(str))
    if len(ids) > 1:
        assert not checks._already_sorted_alike(submission["id"][::-1].reset_index(drop=True), answers["id"])
        repeated = pd.Series(ids[:1] * len(ids), dtype=answers["id"].dtype)
        assert not checks._already_sorted_alike(repeated, repeated)
