"""The compendium's look as matplotlib settings: seaborn's theme without importing seaborn.

Every figure used to start with ``seaborn.set_theme(context="paper", style="whitegrid", palette="colorblind",
font_scale=1.1)``. Importing seaborn imports scipy.stats (about half a second of CPU in every notebook job), while
only the figures seaborn draws (``sns.lineplot``) need it; those import it where they draw. This module holds what
that call sets, as seaborn 0.13 sets it: the rcParams below, the colour cycle and the single-letter colour codes
('k' is seaborn's dark grey 0.1, not black). ``tests/test_startup.py`` compares them with seaborn's own call, so a
seaborn that changes its theme fails the test instead of changing the figures silently. Left out: the default
colour map (seaborn's "rocket", which only seaborn registers); every image here names its colour map.
"""

from __future__ import annotations

import matplotlib
from matplotlib.colors import get_named_colors_mapping, to_rgb

PALETTE = "colorblind"
"""Seaborn's colour-blind-safe qualitative palette (10 colours), used for every figure."""

PALETTE_HEX = ("#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4", "#949494", "#ECE133",
               "#56B4E9")
"""Its colours (seaborn.palettes.SEABORN_PALETTES["colorblind"])."""

FONT_SCALE = 1.1
"""Seaborn's ``font_scale``: the "paper" context's font sizes, times this."""

PAPER_SCALE = 0.8
"""Seaborn's "paper" context: its "notebook" sizes times this."""

THEME_RC: dict[str, object] = {
    # style "whitegrid" (seaborn.axes_style; its "image.cmap" left out, see above)
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.labelcolor": ".15",
    "axes.axisbelow": True,
    "axes.grid": True,
    "axes.edgecolor": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "grid.color": ".8",
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "xtick.top": False,
    "ytick.right": False,
    "xtick.bottom": False,
    "ytick.left": False,
    # context "paper" (seaborn.plotting_context): the "notebook" sizes times PAPER_SCALE, fonts also times FONT_SCALE
    "axes.linewidth": 1.25 * PAPER_SCALE,
    "grid.linewidth": 1 * PAPER_SCALE,
    "lines.linewidth": 1.5 * PAPER_SCALE,
    "lines.markersize": 6 * PAPER_SCALE,
    "patch.linewidth": 1 * PAPER_SCALE,
    "xtick.major.width": 1.25 * PAPER_SCALE,
    "ytick.major.width": 1.25 * PAPER_SCALE,
    "xtick.minor.width": 1 * PAPER_SCALE,
    "ytick.minor.width": 1 * PAPER_SCALE,
    "xtick.major.size": 6 * PAPER_SCALE,
    "ytick.major.size": 6 * PAPER_SCALE,
    "xtick.minor.size": 4 * PAPER_SCALE,
    "ytick.minor.size": 4 * PAPER_SCALE,
    "font.size": 12 * PAPER_SCALE * FONT_SCALE,
    "axes.labelsize": 12 * PAPER_SCALE * FONT_SCALE,
    "axes.titlesize": 12 * PAPER_SCALE * FONT_SCALE,
    "xtick.labelsize": 11 * PAPER_SCALE * FONT_SCALE,
    "ytick.labelsize": 11 * PAPER_SCALE * FONT_SCALE,
    "legend.fontsize": 11 * PAPER_SCALE * FONT_SCALE,
    "legend.title_fontsize": 12 * PAPER_SCALE * FONT_SCALE,
}
"""What the theme call sets besides the colour cycle: every setting of the style and the context, also those equal
to matplotlib's defaults (the call resets them whatever they were)."""

COLOR_CODES = {"b": 0, "g": 2, "r": 3, "m": 4, "y": 8, "c": 9}
"""Single-letter colour code -> its colour in the palette (seaborn.palettes.set_color_codes); 'k' is 0.1 grey."""
DARK_GREY_K = (0.1, 0.1, 0.1)


def palette_colors(n: int = len(PALETTE_HEX)) -> list[tuple[float, float, float]]:
    """The first ``n`` colours of the palette as RGB tuples, cycling beyond 10 (as ``seaborn.color_palette(PALETTE,
    n)``)."""
    return [to_rgb(PALETTE_HEX[i % len(PALETTE_HEX)]) for i in range(n)]


def apply() -> None:
    """Set the compendium's look in matplotlib: :data:`THEME_RC`, the palette as colour cycle, the colour codes."""
    matplotlib.rcParams.update(THEME_RC)
    matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=palette_colors())
    colors = palette_colors()
    codes = get_named_colors_mapping()
    for code, index in COLOR_CODES.items():
        codes[code] = colors[index]
    codes["k"] = DARK_GREY_K
