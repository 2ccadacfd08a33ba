"""Collection functions: contains, empty, first, intersection, join, last, length, skip, take, union.

Array elements compare as the engine's JSON tokens do: by type and value (1 is not 1.0), objects regardless of
key order; contains lets two floats differ by Newtonsoft's tolerance, union and intersection do not. Strings
count UTF-16 code units. Counts are cast to .NET ints (wrapping). contains finds a key in an object as the
engine's culture-aware IgnoreCase comparison does (any case, compatibility forms), while union and intersection
match keys exactly (all observed).
"""

from __future__ import annotations

from .logic import same
from .registry import implements
from .strings import text_of, equal_ignoring_case, from_units, int32, is_integer, unit_length, units
from .values import FunctionError, to_string, type_name, usage


def _hashable(value):
    """A hashable stand-in for a JSON value that is equal exactly when `same` says so."""
    kind = type(value)
    if kind is str:
        return value
    if kind is list:
        return ("a", tuple(_hashable(v) for v in value))
    if kind is dict:
        return ("o", frozenset((k, _hashable(v)) for k, v in value.items()))
    if value != value:  # NaN: equal to itself as JSON values (observed), not as Python floats
        return ("float", "NaN")
    return (kind.__name__, value)


def _distinct(values):
    seen = set()
    result = []
    for value in values:
        key = _hashable(value)
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


@implements("contains")
def contains(scope, args):
    """A substring in a string, an element in an array, a key (any case) in an object."""
    collection, value = args
    kind = type(collection)
    if kind is list:
        return any(same(element, value) for element in collection)
    if kind is str:
        if type(value) is str:
            return value in collection
    elif kind is dict:
        if type(value) is str:
            if value in collection:
                return True
            return any(equal_ignoring_case(key, value) for key in collection)
    else:
        raise FunctionError(
            "The template language function 'contains' expects its first argument 'collection' to be a dictionary "
            f"(object), an array or a string. The provided value is of type '{type_name(collection)}'."
        )
    raise FunctionError(
        "The template language function 'contains' expects parameters of matching types: a dictionary and a key "
        "(string), an array and a value (object), or a string and a substring. The provided types "
        f"'{type_name(collection)}' and '{type_name(value)}' are incompatible. {usage('contains')}"
    )


@implements("empty")
def empty(scope, args):
    """True for null, '', [] and {}."""
    value = args[0]
    if value is None:
        return True
    if type(value) in (str, list, dict):
        return not value
    raise FunctionError(
        "The template language function 'empty' expects its parameter to be an object, an array or a string. "
        f"The provided value is of type '{type_name(value)}'. {usage('empty')}"
    )


def _sequence(function: str, value):
    if type(value) not in (str, list):
        raise FunctionError(
            f"The template language function '{function}' expects its parameter be an array or a string. "
            f"The provided value is of type '{type_name(value)}'. {usage(function)}"
        )
    return value


@implements("first")
def first(scope, args):
    """The first element of an array (null when empty) or the first UTF-16 unit of a string ('' when empty)."""
    value = _sequence("first", args[0])
    if type(value) is str:
        return from_units(units(value)[:1])
    return value[0] if value else None


@implements("last")
def last(scope, args):
    """The last element of an array (null when empty) or the last UTF-16 unit of a string ('' when empty)."""
    value = _sequence("last", args[0])
    if type(value) is str:
        return from_units(units(value)[-1:])
    return value[-1] if value else None


@implements("length")
def length(scope, args):
    """The number of elements of an array or of UTF-16 units of a string."""
    value = args[0]
    kind = type(value)
    if kind is str:
        return unit_length(value)
    if kind is list:
        return len(value)
    raise FunctionError(
        "The template language function 'length' expects its parameter to be an array or a string. "
        f"The provided value is of type '{type_name(value)}'. {usage('length')}"
    )


@implements("join")
def join(scope, args):
    """The elements as text (as concat writes them) with the delimiter between them."""
    items, delimiter = args
    if type(items) is not list:
        raise FunctionError(
            "The template language function 'join' expects its first parameter to be an array. "
            f"The provided value is of type '{type_name(items)}'. {usage('join')}"
        )
    if type(delimiter) is not str:
        raise FunctionError(
            "The template language function 'join' expects its second parameter to be of type string. "
            f"The provided value is of type '{type_name(delimiter)}'. {usage('join')}"
        )
    return delimiter.join(item if type(item) is str else text_of("join", "item", index, item)
                          for index, item in enumerate(items))


def _slice_args(function: str, args, verb: str):
    collection, count = args
    if type(collection) not in (str, list):
        raise FunctionError(
            f"The template language function '{function}' expects its first parameter 'collection' to be an array "
            f"or a string. The provided value is of type '{type_name(collection)}'. {usage(function)}"
        )
    if not is_integer(count):
        raise FunctionError(
            f"The template language function '{function}' expects its second parameter 'count' to be an integer. "
            f"The provided value is of type '{type_name(count)}'. {usage(function)}"
        )
    count = int32(count)
    if count < 0:
        # 'valus' is the engine's spelling in take's message (observed)
        raise FunctionError(
            f"The template language function '{function}' parameters are out of range: 'count' must be a positive "
            f"integer. The provided {verb} is '{count}'. {usage(function)}"
        )
    return collection, count


@implements("skip")
def skip(scope, args):
    """The array or string without its first count elements (UTF-16 units)."""
    collection, count = _slice_args("skip", args, "value")
    if type(collection) is str:
        return from_units(units(collection)[count:])
    return collection[count:]


@implements("take")
def take(scope, args):
    """The first count elements (UTF-16 units) of an array or string."""
    collection, count = _slice_args("take", args, "valus")
    if type(collection) is str:
        return from_units(units(collection)[:count])
    return collection[:count]


def _same_kind(function: str, args) -> type:
    names = list(dict.fromkeys(type_name(v) for v in args))
    if len(names) > 1:
        raise FunctionError(
            f"Template language function '{function}' expects parameters of same type, "
            f"but found '{','.join(names)}' distinct types."
        )
    kind = type(args[0])
    if kind not in (list, dict):
        raise FunctionError(
            f"The template language function '{function}' expects either a comma separated list of arrays or a "
            f"comma separated list of objects as its parameters. The function was invoked with parameters of type "
            f"'{names[0]}'. {usage(function)}"
        )
    return kind


@implements("union")
def union(scope, args):
    """Arrays: every distinct element in order of first appearance. Objects: all keys, later values winning."""
    if _same_kind("union", args) is dict:
        merged: dict = {}
        for value in args:
            merged.update(value)
        return merged
    return _distinct(element for value in args for element in value)


@implements("intersection")
def intersection(scope, args):
    """Arrays: the distinct elements of the first found in every other. Objects: the equal key-value pairs."""
    if _same_kind("intersection", args) is dict:
        result = dict(args[0])
        for other in args[1:]:
            result = {k: v for k, v in result.items() if k in other and _hashable(v) == _hashable(other[k])}
        return result
    others = [{_hashable(element) for element in value} for value in args[1:]]
    return [element for element in _distinct(args[0]) if all(_hashable(element) in keys for keys in others)]
