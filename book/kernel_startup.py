# The lessons' kernels run this file at start (the Makefile sets PYTHONSTARTUP to it for
# `make execute`, `make book`, `make bookcheck` and `make lab`): warnings and tracebacks name
# files from the top of their package and cells by number, never by the build machine's paths
# (lrcourse/_book_kernel.py). Outside IPython (a plain `python` started from a lab terminal)
# it does nothing. It binds no name in the notebook's namespace.
if "get_ipython" in globals():
    get_ipython().extension_manager.load_extension("lrcourse._book_kernel")  # noqa: F821
