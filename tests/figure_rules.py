"""The rules every figure follows, checked on the drawn matplotlib Figure (tests/test_figure_rules.py runs them over
every figure function of greenllm.plots):

* no two texts overlap (titles, axis labels, tick labels, annotations, legends, foot notes), on the rendered figure;
* a legend inside a panel covers no data point of its lines;
* an hour axis names its clock (UTC or local);
* a log axis says so in its label;
* a figure from a scenario with stand-ins carries the red stand-in mark.
"""

import re

import numpy as np
from matplotlib.text import Text

HOUR_AXIS = re.compile(r"^hour\b(?!s)", re.IGNORECASE)
CLOCKS = ("UTC", "local")


def _visible(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


def _tick_labels(ax, renderer):
    """The tick labels a reader sees: visible, non-empty, within the panel's span along their axis."""
    box = ax.get_window_extent(renderer)
    out = []
    for label in ax.xaxis.get_ticklabels(which="both"):
        if _visible(label):
            b = label.get_window_extent(renderer)
            if box.x0 - 2 <= (b.x0 + b.x1) / 2 <= box.x1 + 2:
                out.append(label)
    for label in ax.yaxis.get_ticklabels(which="both"):
        if _visible(label):
            b = label.get_window_extent(renderer)
            if box.y0 - 2 <= (b.y0 + b.y1) / 2 <= box.y1 + 2:
                out.append(label)
    return out


def _legend_texts(legend):
    if legend is None or not legend.get_visible():
        return []
    return [t for t in [legend.get_title(), *legend.get_texts()] if _visible(t)]


def figure_texts(fig, renderer) -> list[Text]:
    """Every visible text of the figure."""
    texts = [t for t in fig.texts if _visible(t)]
    if getattr(fig, "_suptitle", None) is not None and _visible(fig._suptitle):
        texts.append(fig._suptitle)
    for legend in fig.legends:
        texts += _legend_texts(legend)
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison and not ax.get_legend():
            continue
        texts += [t for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label)
                  if _visible(t)]
        texts += _tick_labels(ax, renderer) if ax.axison else []
        texts += [t for t in ax.texts if _visible(t)]
        texts += _legend_texts(ax.get_legend())
    return list({id(t): t for t in texts}.values())


def assert_no_overlapping_text(fig, pad_px: float = 0.5) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = figure_texts(fig, renderer)
    boxes = [t.get_window_extent(renderer).expanded(1, 1).padded(-pad_px) for t in texts]
    for a in range(len(texts)):
        for b in range(a + 1, len(texts)):
            if boxes[a].overlaps(boxes[b]):
                raise AssertionError(f"overlapping text: {texts[a].get_text()!r} and {texts[b].get_text()!r}")


def assert_legends_cover_no_data(fig) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        if not ax.get_window_extent(renderer).overlaps(box):
            continue  # the legend sits outside the panel
        for line in ax.get_lines():
            xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
            if len(xy) <= 2 or not line.get_visible():
                continue
            points = line.get_transform().transform(xy[np.all(np.isfinite(xy), axis=1)])
            inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0)
                      & (points[:, 1] < box.y1))
            assert not inside.any(), f"the legend of {ax.get_title() or ax.get_ylabel()!r} covers " \
                                     f"{int(inside.sum())} points of {line.get_label()!r}"


def assert_hour_axes_name_their_clock(fig) -> None:
    for ax in fig.axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if HOUR_AXIS.match(label):
                assert any(clock in label for clock in CLOCKS), f"hour axis without its clock: {label!r}"


def assert_log_axes_say_log(fig) -> None:
    for ax in fig.axes:
        for scale, label in ((ax.get_xscale(), ax.get_xlabel()), (ax.get_yscale(), ax.get_ylabel())):
            if scale == "log" and label:
                assert "log" in label, f"log axis not labelled as such: {label!r}"


def assert_stand_in_mark(fig, stand_ins) -> None:
    marks = [t for t in fig.texts if t.get_gid() == "stand_in_mark"]
    if stand_ins:
        assert marks, "a figure from a scenario with stand-ins has no stand-in mark"
        assert all(t.get_color() == "#b00000" for t in marks)


def check_figure(fig, stand_ins=()) -> None:
    """Every rule above, on one drawn figure."""
    assert_stand_in_mark(fig, stand_ins)
    assert_hour_axes_name_their_clock(fig)
    assert_log_axes_say_log(fig)
    assert_no_overlapping_text(fig)
    assert_legends_cover_no_data(fig)
