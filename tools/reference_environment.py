"""Pins what makes python3-torch's numbers depend on the machine; import before torch.

- OpenBLAS's results depend on its thread count, and plab runs it on one thread
  (src/tensor/threads.ts). The variable is read when torch loads OpenBLAS.
- oneDNN, which runs torch's CPU convolutions, picks its kernels by the CPU's instruction set: on an
  AVX-512 machine the small CNN's logits differ from an AVX2 machine's in the last bits, and Adam- or
  RMSprop-style updates turn that into 3e-5 relative after a few steps. Fixtures are made with oneDNN
  capped at AVX2 and the tests run with the same cap (scripts/test.sh), so they agree on any x86-64
  CPU with AVX2 or more.
"""
import os

os.environ['OPENBLAS_NUM_THREADS'] = '1'
os.environ.setdefault('ONEDNN_MAX_CPU_ISA', 'AVX2')
