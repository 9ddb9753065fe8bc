class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


def bad():
    return Anything()


def add(a, b):
    return a + b
