"""Exercise 4 (pretrained article): a checkpoint that runs code, refused.

Builds a file in torch's zip layout (`archive/data.pkl`) whose pickle, when loaded with plain
`pickle.load`, would call `os.system` to create a marker file. `torchfile.load` must refuse it
with `UnsafeCheckpointError` before anything runs; plain `pickle.loads` of the same bytes does
run it (which is the point of the exercise: never `pickle.load` a downloaded file).

  python experiments/pretrained/solutions/unsafe_pickle.py
"""

import os
import pathlib
import pickle
import tempfile
import zipfile

from jaxdl.pretrained import torchfile


class Payload:
    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):  # what a malicious file does: "call os.system with this string"
        return os.system, (f"touch {self.marker}",)


def main(tiny: bool = False):
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        marker, path = folder / "ran", folder / "model.pth"
        data = pickle.dumps({"weight": Payload(marker)}, protocol=2)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("archive/data.pkl", data)
        try:
            torchfile.load(path)
            refused = ""
        except torchfile.UnsafeCheckpointError as error:
            refused = str(error)
        ran_with_our_reader = marker.exists()
        pickle.loads(data)  # plain pickle: the payload runs
        ran_with_pickle = marker.exists()
    print(f"our reader: {refused!r}; marker written: {ran_with_our_reader}")
    print(f"plain pickle.loads: marker written: {ran_with_pickle}")
    return refused, ran_with_our_reader, ran_with_pickle


if __name__ == "__main__":
    main()
