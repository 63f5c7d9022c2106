"""Exercise 1 (pretrained article): what the depthwise-separable convolution saves.

A 3x3 convolution from C to C' channels on an H x W map costs $9 C C' HW$ multiply-adds. The
separable pair, a 3x3 depthwise conv (each channel alone: $9 C HW$) then a 1x1 pointwise conv
($C C' HW$), costs $(9 + C') C HW$: the fraction $1/C' + 1/9$ of the full conv. MobileNetV2's
block adds a 1x1 expansion by t = 6 before the depthwise conv and projects back after it: more
work than one full 3x3 conv at the narrow width C, far less than a full 3x3 conv at the width tC
where its 3x3 filtering happens.

Arithmetic only; the parameters follow the same formulas without the HW.

  python experiments/pretrained/solutions/separable_cost.py
"""


def multiply_adds(C: int, C_out: int, side: int, t: int = 6) -> dict[str, int]:
    hw = side * side
    return {"full 3x3": 9 * C * C_out * hw, "full 3x3 at width tC": 9 * t * C * t * C * hw,
            "separable (depthwise 3x3 + 1x1)": (9 * C + C * C_out) * hw,
            "inverted residual (1x1 up, depthwise, 1x1 down)":
                (C * t * C + 9 * t * C + t * C * C_out) * hw}


def main(tiny: bool = False):
    table = {(C, side): multiply_adds(C, C, side) for C, side in ((32, 56), (96, 14), (320, 7))}
    for (C, side), costs in table.items():
        full = costs["full 3x3"]
        print(f"C = C' = {C}, {side}x{side}: " + ", ".join(
            f"{name} {value / 1e6:.1f} M ({value / full:.3f})" for name, value in costs.items()))
    return table


if __name__ == "__main__":
    main()
