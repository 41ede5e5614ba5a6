"""Build the Hotline firmware: Cython DSP extensions and the `hotline` command.

Every ``dsp/*.pyx`` is compiled into an extension module of the same name, so a
new DSP module needs no change here.  Build in place with::

    python setup.py build_ext --inplace      (what ``make`` does)
"""
from __future__ import annotations

import glob
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))

# Floating-point loops (echo canceller, filters) may be vectorised: we never rely on
# NaN/inf semantics or on the order of float additions in the DSP code.
FAST_MATH = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fassociative-math",
             "-fno-signed-zeros", "-freciprocal-math"]


def dsp_extensions() -> list[Extension]:
    exts = []
    for pyx in sorted(glob.glob(os.path.join(HERE, "dsp", "*.pyx"))):
        mod = os.path.splitext(os.path.basename(pyx))[0]
        exts.append(Extension(
            f"dsp.{mod}", [os.path.relpath(pyx, HERE)],
            include_dirs=[numpy.get_include(), os.path.join(HERE, "dsp")],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=FAST_MATH,
        ))
    return exts


setup(
    name="hotline",
    version="0.1.0",
    description="Hotline: firmware of an all-in-one phone system and small call-centre box",
    python_requires=">=3.11",
    packages=find_packages(include=["dsp", "dsp.*", "hal", "hal.*", "drivers", "drivers.*",
                                    "firmware", "firmware.*", "webui", "webui.*",
                                    "image", "image.*"]),
    package_data={"dsp": ["*.pxd", "*.pyx", "data/*"], "hal": ["boards/*.toml"],
                  "firmware": ["config/*.json", "config/migrations/*.sql", "prompts/sounds/*/*"],
                  "webui": ["templates/*", "static/*"]},
    ext_modules=cythonize(
        dsp_extensions(),
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
    install_requires=["numpy>=1.26", "sqlite-utils>=4", "bottle>=0.13", "cheroot>=10",
                      "argon2-cffi>=23", "babel>=2.12", "cryptography>=41"],
    entry_points={"console_scripts": ["hotline=firmware.cli:main"]},
    zip_safe=False,
)
