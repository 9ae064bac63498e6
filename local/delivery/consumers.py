"""Which function consumes each stream and rule: the catalog's handlers, or test fakes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from infra import catalog
from local.invoke import Handler, LambdaFunction

logger = logging.getLogger("local.delivery")

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ConsumerTable:
    """Function name -> the function that receives its stream batches, rule events or
    scheduled runs.

    A stream consumer or rule whose function is not in the table is not delivered.
    """

    functions: Mapping[str, LambdaFunction] = field(default_factory=dict)

    def get(self, name: str) -> LambdaFunction | None:
        return self.functions.get(name)

    @classmethod
    def from_handlers(cls, handlers: Mapping[str, Handler | LambdaFunction]) -> ConsumerTable:
        """Plain callables (test fakes) keyed by function name; a catalog function's name
        gives the fake that function's timeout and memory."""

        def wrap(name: str, target: Handler | LambdaFunction) -> LambdaFunction:
            if isinstance(target, LambdaFunction):
                return target
            definition = catalog.FUNCTIONS_BY_NAME.get(name)
            if definition is None:
                return LambdaFunction(name=name, handler=target, timeout_s=DEFAULT_TIMEOUT_S)
            return LambdaFunction(
                name=name,
                handler=target,
                timeout_s=definition.timeout_s,
                memory_mb=definition.memory_mb,
            )

        return cls({name: wrap(name, target) for name, target in handlers.items()})

    @classmethod
    def from_catalog(
        cls,
        stream_consumers: Iterable[catalog.StreamConsumerDef] = catalog.STREAM_CONSUMERS,
        event_rules: Iterable[catalog.EventRuleDef] = catalog.EVENT_RULES,
        definitions: Mapping[str, catalog.FunctionDef] = catalog.FUNCTIONS_BY_NAME,
        schedules: Iterable[catalog.ScheduleDef] = catalog.SCHEDULES,
        queues: Iterable[catalog.QueueDef] = catalog.QUEUES,
    ) -> ConsumerTable:
        """The real consumer handlers (imports them: set the environment first).

        A consumer whose handler module does not exist yet is left out with a warning, so
        the rest of the platform still runs; any other import error is raised.
        """
        names = dict.fromkeys(
            [c.function for c in stream_consumers]
            + [r.function for r in event_rules]
            + [s.function for s in schedules]
            + [q.consumer for q in queues]
        )
        functions: dict[str, LambdaFunction] = {}
        for name in names:
            definition = definitions[name]
            try:
                functions[name] = LambdaFunction.from_definition(definition)
            except ModuleNotFoundError as exc:
                module = definition.handler.rpartition(".")[0]
                if exc.name is None or not (
                    module == exc.name or module.startswith(exc.name + ".")
                ):
                    raise
                logger.warning("%s not delivered: no module %s", name, module)
        return cls(functions)


def _is_module_or_parent(name: str | None, module: str) -> bool:
    return name is not None and (module == name or module.startswith(name + "."))
