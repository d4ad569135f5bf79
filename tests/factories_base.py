"""Typed ground for the test factories: a model factory whose call gives the model, and the
factory-boy declarations the factories use, typed.

factory-boy 3.3 types ``create``/``build`` on ``BaseFactory[T]`` but not the metaclass
``__call__`` that ``StoryFactory()`` goes through, so mypy saw that call as an untyped call
returning a ``StoryFactory``. Its declarations are untyped classes that ``factory`` re-exports
without ``__all__``, so ``factory.Sequence(...)`` was an implicit re-export and an untyped call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model
from factory import declarations
from factory.base import BaseFactory
from factory.django import DjangoModelFactory
from factory.django import Password as _Password

T = TypeVar("T", bound=Model)


class ModelFactory(DjangoModelFactory[T]):
    """A Django model factory; ``SomeFactory(**fields)`` is typed as the model it creates."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # Only for mypy: at run time FactoryMetaClass.__call__ answers ``SomeFactory()``
        # with ``create()`` (the default strategy of DjangoModelFactory) and no factory
        # instance is ever made. mypy reads a class call through ``__new__``, and takes its
        # return type when it is not the class itself; it insists on a class instance there.
        def __new__(cls, **kwargs: Any) -> T:  # type: ignore[misc]
            ...


# The declarations the factories use, as typed callables over factory-boy's own classes
# (an assignment, not a call: the untyped ``__init__`` is never called from typed code).
Sequence: Callable[[Callable[[int], object]], declarations.Sequence] = declarations.Sequence
# The function gets the resolver of the object being built: its fields are attributes.
LazyAttribute: Callable[[Callable[[Any], object]], declarations.LazyAttribute] = (
    declarations.LazyAttribute
)
SelfAttribute: Callable[[str], declarations.SelfAttribute] = declarations.SelfAttribute
SubFactory: Callable[[type[BaseFactory[Any]]], declarations.SubFactory] = declarations.SubFactory
# Maybe(decider, yes_declaration=..., no_declaration=...).
Maybe: Callable[..., declarations.Maybe] = declarations.Maybe
Password: Callable[[str], _Password] = _Password
