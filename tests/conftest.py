"""Suite-wide set-up.

Triton reads TRITON_INTERPRET once, when it is first imported, and modules anywhere in the suite
(the model, the kernels) import it; set here, before any test module loads, the Triton kernels run
on the CPU through the interpreter whichever test imports triton first.
"""

import os

os.environ["TRITON_INTERPRET"] = "1"
