"""A Lambda function built from a catalog `FunctionDef`, with exactly the access it declares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from aws_cdk import ArnFormat, AssetHashType, BundlingOptions, DockerImage, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as eventbridge
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.bundling import (
    CopyCodeBundler,
    PipLayerBundler,
    code_files,
    code_hash,
    dependencies_hash,
)
from infra.catalog import (
    BUCKETS_BY_ID,
    EVENT_BUS,
    GRID_SECRET_PREFIX,
    OUTBOX,
    STREAMS_BY_ID,
    TABLES_BY_ID,
    BucketDef,
    FunctionDef,
    StreamDef,
    TableDef,
)
from infra.nag import acknowledge, wildcard_resource_finding
from infra.stack_settings import PROJECT_ROOT
from infra.telemetry import grant_put_records

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
REQUIREMENTS = PROJECT_ROOT / "requirements" / "lambda.txt"

POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "csms",
    "POWERTOOLS_METRICS_NAMESPACE": "Csms",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}

# Reporting a command's outcome to the Step Functions task that waits for it. Task tokens name
# no resource, so these actions take no resource-level permission ("*" is the only choice).
TASK_RESULT_ACTIONS = (
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
)

# Docker is never started: the local bundlers always succeed, but CDK requires an image.
_NO_DOCKER = DockerImage.from_registry("unused")

_GRANTS: dict[str, Callable[[dynamodb.ITable, iam.IGrantable], iam.Grant]] = {
    "read": lambda table, grantee: table.grant_read_data(grantee),
    "write": lambda table, grantee: table.grant_write_data(grantee),
    "readwrite": lambda table, grantee: table.grant_read_write_data(grantee),
}


class LambdaPackage(Construct):
    """The code asset and the dependencies layer, built once and shared by every function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        root: Path = PROJECT_ROOT,
        requirements: Path = REQUIREMENTS,
    ) -> None:
        super().__init__(scope, construct_id)
        files = code_files(root)
        self.code = lambda_.Code.from_asset(
            str(root),
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=code_hash(root, files),
            bundling=BundlingOptions(image=_NO_DOCKER, local=CopyCodeBundler(root, files)),
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            description=f"Pinned Lambda dependencies ({requirements.name})",
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            code=lambda_.Code.from_asset(
                str(requirements.parent),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=dependencies_hash(requirements),
                bundling=BundlingOptions(image=_NO_DOCKER, local=PipLayerBundler(requirements)),
            ),
        )


@dataclass(frozen=True)
class FunctionResources:
    """What functions may be wired to; each one only gets the parts its definition names."""

    tables: Mapping[str, dynamodb.ITable]
    event_bus: eventbridge.IEventBus
    event_source: str
    # Settings every function receives (UNKNOWN_CHARGERS, HEARTBEAT_INTERVAL_S, ...).
    environment: Mapping[str, str]
    log_retention: logs.RetentionDays
    # The WebSocket stage whose @connections API `manages_connections` functions call.
    connections: apigwv2.WebSocketStage | None = None
    table_definitions: Mapping[str, TableDef] = field(default_factory=lambda: TABLES_BY_ID)
    # Stream id -> stream; every function gets every stream's name, writers a put grant.
    streams: Mapping[str, kinesis.IStream] = field(default_factory=dict)
    stream_definitions: Mapping[str, StreamDef] = field(default_factory=lambda: STREAMS_BY_ID)
    # The user pool `reads_users` functions look users up in (known once it is built).
    user_pool: cognito.IUserPool | None = None
    # The admission key `reads_admission_key` functions read (docs/adr/0027).
    admission_key: secretsmanager.ISecret | None = None
    # The certificate authority's secret `uses_certificate_authority` functions sign with.
    certificate_authority: secretsmanager.ISecret | None = None
    # The SES identity (an address) `sends_email` functions send from: receiptEmailSender.
    email_sender: str | None = None
    # Bucket id -> bucket; every function gets every bucket's name, grants per definition.
    buckets: Mapping[str, s3.IBucket] = field(default_factory=dict)
    bucket_definitions: Mapping[str, BucketDef] = field(default_factory=lambda: BUCKETS_BY_ID)


class PythonFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition: FunctionDef,
        package: LambdaPackage,
        resources: FunctionResources,
        reserved_concurrency: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definition = definition
        self.log_group = logs.LogGroup(self, "Logs", retention=resources.log_retention)
        # An own role instead of the default one: no AWS-managed policy granting logs on "*".
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {definition.name}",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=definition.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=definition.handler,
            code=package.code,
            layers=[package.dependencies],
            memory_size=definition.memory_mb,
            timeout=Duration.seconds(definition.timeout_s),
            environment=function_environment(definition, resources),
            tracing=lambda_.Tracing.ACTIVE if definition.tracing else lambda_.Tracing.DISABLED,
            # JSON logs (Powertools writes JSON anyway) and no START/END/REPORT platform lines:
            # at one invocation per OCPP frame they would be most of the log bytes we pay for.
            logging_format=lambda_.LoggingFormat.JSON,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            role=self.role,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrency,
        )
        self.log_group.grant_write(self.role)
        grant_access(definition, self.function, resources)
        if definition.tracing:
            acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]", _XRAY_REASON)
        if definition.sends_task_results:
            acknowledge(
                self.role,
                wildcard_resource_finding(self, state_machines_arn(Stack.of(self))),
                "Task tokens of this stack's state machines (named after the stack): a token, "
                "not an ARN, identifies the waiting task.",
            )
        for bucket_id, _actions, pattern in definition.buckets:
            acknowledge(
                self.role,
                wildcard_resource_finding(
                    self, resources.buckets[bucket_id].arn_for_objects(pattern)
                ),
                f"Objects under {pattern} of the {bucket_id} bucket only: their keys (image and "
                "upload ids) are only known at run time.",
            )
        for table_id, _access in definition.tables:
            if resources.table_definitions[table_id].indexes:
                table_arn = resources.tables[table_id].table_arn
                acknowledge(
                    self.role,
                    wildcard_resource_finding(self, f"{table_arn}/index/*"),
                    f"The grants on table {table_id} include its own secondary indexes.",
                )
        if definition.grid_signals:
            acknowledge(
                self.role,
                wildcard_resource_finding(self, grid_secrets_arn(Stack.of(self))),
                f"Secrets under {GRID_SECRET_PREFIX} only: operators name a site's VTN and "
                "price-feed secrets there (docs/adr/0052); the names are only known at run time.",
            )
        if definition.manages_connections:
            acknowledge(
                self.role,
                wildcard_resource_finding(
                    self, connections_arn(_connections(definition, resources))
                ),
                "Any connection of this stage, any @connections method (POST send, GET info, "
                "DELETE close): connection ids are only known at run time.",
            )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            f"{RUNTIME.name} is pinned: the dependencies layer is built for this exact CPython "
            "version, so functions and layer change runtime together, on purpose.",
        )


def grid_secrets_arn(stack: Stack) -> str:
    """Every secret of sites' grid sources (their names start with GRID_SECRET_PREFIX)."""
    return stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{GRID_SECRET_PREFIX}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


_XRAY_REASON = (
    "Resource '*' is used by the X-Ray actions (xray:PutTraceSegments, "
    "xray:PutTelemetryRecords) only, which support no resource-level permissions."
)


def function_environment(definition: FunctionDef, resources: FunctionResources) -> dict[str, str]:
    environment = {
        **POWERTOOLS_ENVIRONMENT,
        **resources.environment,
        EVENT_BUS.env_var: resources.event_bus.event_bus_name,
        "EVENT_SOURCE": resources.event_source,
    }
    # Every table's name, as locally: shared.config loads them all. Access stays per grant.
    for table_id, table in resources.tables.items():
        environment[resources.table_definitions[table_id].env_var] = table.table_name
    for stream_id, stream in resources.streams.items():
        environment[resources.stream_definitions[stream_id].env_var] = stream.stream_name
    if definition.manages_connections:
        environment["WS_MANAGEMENT_ENDPOINT"] = _connections(definition, resources).callback_url
    if definition.reads_users:
        environment["USER_POOL_ID"] = _user_pool(definition, resources).user_pool_id
    if definition.reads_admission_key:
        environment["ADMISSION_KEY_SECRET"] = _admission_key(definition, resources).secret_arn
    if definition.uses_certificate_authority:
        environment["CA_SECRET_NAME"] = _certificate_authority(definition, resources).secret_arn
    if definition.sends_email:
        environment["RECEIPT_EMAIL_SENDER"] = _email_sender(definition, resources)
    for bucket_id, bucket in resources.buckets.items():
        environment[resources.bucket_definitions[bucket_id].env_var] = bucket.bucket_name
    return environment


def grant_access(
    definition: FunctionDef, grantee: iam.IGrantable, resources: FunctionResources
) -> None:
    for table_id, access in definition.tables:
        table = resources.tables[table_id]
        if isinstance(access, tuple):
            table.grant(grantee, *(f"dynamodb:{action}" for action in access))
        else:
            _GRANTS[access](table, grantee)
    for table_id in definition.scans_outbox_of:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["dynamodb:Scan"],
            resource_arns=[f"{resources.tables[table_id].table_arn}/index/{OUTBOX.name}"],
        )
    for stream_id in definition.writes_streams:
        grant_put_records(resources.streams[stream_id], grantee)
    if definition.publishes_events:
        resources.event_bus.grant_put_events_to(grantee)
    if definition.sends_task_results:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(TASK_RESULT_ACTIONS),
            resource_arns=[state_machines_arn(Stack.of(cast(Construct, grantee)))],
        )
    if definition.manages_connections:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:ManageConnections"],
            resource_arns=[connections_arn(_connections(definition, resources))],
        )
    _grant_secrets(definition, grantee, resources)
    for bucket_id, actions, pattern in definition.buckets:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions),
            resource_arns=[resources.buckets[bucket_id].arn_for_objects(pattern)],
        )
    if definition.reads_users:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["cognito-idp:AdminGetUser"],
            resource_arns=[_user_pool(definition, resources).user_pool_arn],
        )
    if definition.sends_email:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail"],
            resource_arns=sender_identity_arns(
                Stack.of(cast(Construct, grantee)), _email_sender(definition, resources)
            ),
        )


def _grant_secrets(
    definition: FunctionDef, grantee: iam.IGrantable, resources: FunctionResources
) -> None:
    """Each secret to the functions that need it, and nothing more."""
    if definition.reads_stripe_secret:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue"],
            resource_arns=[
                stripe_secret_arn(
                    Stack.of(cast(Construct, grantee)), resources.environment["STRIPE_SECRET_NAME"]
                )
            ],
        )
    if definition.reads_admission_key:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue"],
            resource_arns=[_admission_key(definition, resources).secret_arn],
        )
    if definition.grid_signals:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue"],
            resource_arns=[grid_secrets_arn(Stack.of(cast(Construct, grantee)))],
        )
    if definition.uses_certificate_authority:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            resource_arns=[_certificate_authority(definition, resources).secret_arn],
        )


def sender_identity_arns(stack: Stack, sender: str) -> list[str]:
    """SES authorises sending from an address by its verified identity: the address itself, or
    its domain. Either may be the one verified, so both (and nothing else) are allowed."""
    domain = sender.rpartition("@")[2]
    return [
        stack.format_arn(service="ses", resource="identity", resource_name=identity)
        for identity in (sender, domain)
    ]


def stripe_secret_arn(stack: Stack, name: str) -> str:
    """The Stripe secret (docs/payments.md): a full ARN as given, or a name, which Secrets
    Manager completes with a dash and six random characters."""
    if name.startswith("arn:"):
        return name
    return stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{name}-??????",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def state_machines_arn(stack: Stack) -> str:
    """Task tokens answer this stack's state machines only (their names start with the
    stack's name: the workflows construct names them so)."""
    return stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=f"{stack.stack_name}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def connections_arn(stage: apigwv2.WebSocketStage) -> str:
    """Every @connections call on this stage (and no other stage of the API)."""
    api_arn = Stack.of(stage).format_arn(service="execute-api", resource=stage.api.api_id)
    return f"{api_arn}/{stage.stage_name}/*/@connections/*"


def _user_pool(definition: FunctionDef, resources: FunctionResources) -> cognito.IUserPool:
    if resources.user_pool is None:
        raise ValueError(f"{definition.name} reads users but no user pool is given")
    return resources.user_pool


def _certificate_authority(
    definition: FunctionDef, resources: FunctionResources
) -> secretsmanager.ISecret:
    if resources.certificate_authority is None:
        raise ValueError(f"{definition.name} signs certificates but no CA secret is given")
    return resources.certificate_authority


def _admission_key(definition: FunctionDef, resources: FunctionResources) -> secretsmanager.ISecret:
    if resources.admission_key is None:
        raise ValueError(f"{definition.name} reads the admission key but none is given")
    return resources.admission_key


def _email_sender(definition: FunctionDef, resources: FunctionResources) -> str:
    if resources.email_sender is None:
        raise ValueError(f"{definition.name} sends e-mail but no sender is set")
    return resources.email_sender


def _connections(definition: FunctionDef, resources: FunctionResources) -> apigwv2.WebSocketStage:
    if resources.connections is None:
        raise ValueError(f"{definition.name} manages connections but no WebSocket stage is given")
    return resources.connections
