# Leave while being imported: the module is not gradable, results.json still says why.
import sys

sys.exit(3)
