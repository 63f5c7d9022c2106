"""Exercise 2 (ViT article): when does attention cost more than the matmuls?

Per block and image, the matmuls cost $2T(4 + 2r)E^2$ FLOPs and the two attention products
$4T^2E$, so attention's share is $4T^2E / (4T^2E + 2T(4+2r)E^2) = 2T / (2T + (4+2r)E)$ and it
passes one half at $T = (4 + 2r)E / 2$. For ViT-B (E = 768, r = 4) on 224 x 224 images that is
T = 4,608 tokens; the patch sizes that divide 224 give T = (224/p)^2 + 1.

Arithmetic only.

  python experiments/vit/solutions/crossover.py
"""


def flops_per_block(T: int, E: int, r: int) -> tuple[int, int]:
    return 2 * T * (4 + 2 * r) * E * E, 4 * T * T * E


def attention_share(image: int = 224, E: int = 768, r: int = 4) -> dict[int, tuple[int, float]]:
    """{patch: (tokens, attention's share of the block's FLOPs)} for every patch dividing `image`."""
    shares = {}
    for p in range(1, image + 1):
        if image % p == 0:
            T = (image // p) ** 2 + 1
            matmul, attention = flops_per_block(T, E, r)
            shares[p] = (T, attention / (matmul + attention))
    return shares


def main(tiny: bool = False):
    shares = attention_share()
    print(f"crossover at T = {(4 + 2 * 4) * 768 // 2:,} tokens")
    for p, (T, share) in shares.items():
        if p <= 32:
            print(f"patch {p:2d}: T = {T:6,}, attention {share:.1%} of the block's FLOPs")
    return shares


if __name__ == "__main__":
    main()
