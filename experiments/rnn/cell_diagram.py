"""Draws the LSTM cell (figures/lstm_cell.png) with matplotlib: the cell state's straight path
along the top, the four gates computed from [x_t, h_{t-1}] along the bottom.

  python experiments/rnn/cell_diagram.py
"""

import pathlib

from jaxdl import figures

HERE = pathlib.Path(__file__).resolve().parent


def draw(out):
    plt = figures.pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.set(xlim=(0, 10), ylim=(0, 5.4), aspect="equal")
    ax.axis("off")
    ax.add_patch(plt.Rectangle((1.2, 0.7), 7.6, 4.0, fill=True, color="#eef3fb", zorder=0))

    def arrow(x0, y0, x1, y1, color="k"):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color=color, lw=1.4))

    def node(x, y, text, color="white", w=0.55):
        ax.add_patch(plt.Circle((x, y), w / 2, facecolor=color, edgecolor="k", zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)

    def gate(x, text, name):
        ax.add_patch(plt.Rectangle((x - 0.32, 1.35), 0.64, 0.5, facecolor="#ffd9a0",
                                   edgecolor="k", zorder=3))
        ax.text(x, 1.6, text, ha="center", va="center", fontsize=11, zorder=4)
        ax.text(x - 0.62, 1.95, name, fontsize=11, color="#9a4d00")

    # the cell state: multiply by f, add i * g, and that is all that touches it
    ax.text(0.3, 4.1, r"$c_{t-1}$", fontsize=13, va="center")
    arrow(0.95, 4.1, 2.72, 4.1, "#1f5fbf")
    node(3.0, 4.1, r"$\times$")
    arrow(3.28, 4.1, 5.22, 4.1, "#1f5fbf")
    node(5.5, 4.1, "+")
    arrow(5.78, 4.1, 9.4, 4.1, "#1f5fbf")
    ax.text(9.45, 4.1, r"$c_t$", fontsize=13, va="center")

    # the gates from [x_t, h_{t-1}]
    ax.text(0.1, 1.0, r"$h_{t-1}$", fontsize=13, va="center")
    ax.text(2.0, 0.1, r"$x_t$", fontsize=13, ha="center")
    arrow(0.8, 1.0, 6.8, 1.0)
    arrow(2.0, 0.4, 2.0, 0.95)
    xs = dict(f=3.0, i=4.4, g=5.5, o=6.8)
    for name, text in (("f", r"$\sigma$"), ("i", r"$\sigma$"), ("g", "tanh"), ("o", r"$\sigma$")):
        arrow(xs[name], 1.0, xs[name], 1.33)
        gate(xs[name], text, name)
    arrow(3.0, 1.87, 3.0, 3.82)  # f scales the old cell state
    node(4.95, 2.9, r"$\times$")  # i * g
    arrow(4.4, 1.87, 4.8, 2.67)
    arrow(5.5, 1.87, 5.1, 2.67)
    arrow(5.13, 3.12, 5.4, 3.83)
    # the output: h_t = o * tanh(c_t)
    node(7.6, 3.3, "tanh", color="#fff6c8", w=0.7)
    arrow(7.6, 4.1, 7.6, 3.66)
    node(7.6, 2.2, r"$\times$")
    arrow(7.6, 2.95, 7.6, 2.48)
    arrow(6.8, 1.87, 7.35, 2.1)
    arrow(7.88, 2.2, 9.4, 2.2)
    ax.text(9.45, 2.2, r"$h_t$", fontsize=13, va="center")
    ax.text(1.35, 4.9, r"$c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot \tanh(c_t)$",
            fontsize=11)
    figures.save(fig, out)


if __name__ == "__main__":
    draw(HERE / "figures" / "lstm_cell.png")
