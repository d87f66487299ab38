/**
 * Every error code sdflow reports. A code is never renamed or reused; docs/errors.md explains
 * each one (a test keeps the two in sync). `status` is the HTTP status a server answers with.
 */
export const ErrorCodes = {
  SDF_DOC_PARSE: { status: 400, meaning: 'The file is not valid JSON.' },
  SDF_DOC_SHAPE: { status: 400, meaning: 'The document does not match the workflow format.' },
  SDF_DOC_TOO_LARGE: { status: 413, meaning: 'The workflow file is larger than the limit.' },
  SDF_NODE_UNKNOWN_TYPE: { status: 400, meaning: 'A node names a type that is not registered.' },
  SDF_NODE_UNSUPPORTED_VERSION: {
    status: 400,
    meaning: 'A node was written for a node type version this sdflow cannot read.',
  },
  SDF_PARAM_UNKNOWN: { status: 400, meaning: 'A node sets a param its type does not have.' },
  SDF_PARAM_MISSING: { status: 400, meaning: 'A required param has no value.' },
  SDF_PARAM_OUT_OF_RANGE: { status: 400, meaning: 'A param value is outside its allowed range.' },
  SDF_PARAM_INVALID: { status: 400, meaning: 'A param value has the wrong type or form.' },
  SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8: {
    status: 400,
    meaning: 'A width or height that A1111 floors to a multiple of 8 (a warning).',
  },
  SDF_NODE_BYPASS_NO_INPUT: {
    status: 400,
    meaning: 'A bypassed node has a used output that none of its inputs can pass on.',
  },
  SDF_PARAM_NORMALIZED: {
    status: 400,
    meaning: 'sdflow sends a value in the form A1111 applies it (an info, never blocking).',
  },
  SDF_INPUT_UNKNOWN: { status: 400, meaning: 'A link targets an input the node type lacks.' },
  SDF_INPUT_REQUIRED: { status: 400, meaning: 'A required input has no link.' },
  SDF_INPUT_MULTIPLE_LINKS: {
    status: 400,
    meaning: 'More than one link goes into an input that takes one.',
  },
  SDF_INPUT_BATCH_MISMATCH: {
    status: 400,
    meaning: 'Two image inputs carry batches of different sizes (neither of one image).',
  },
  SDF_LINK_MISSING_NODE: { status: 400, meaning: 'A link names a node that does not exist.' },
  SDF_LINK_MISSING_OUTPUT: { status: 400, meaning: 'A link names an output its node lacks.' },
  SDF_LINK_KIND_MISMATCH: { status: 400, meaning: 'A link joins sockets of incompatible kinds.' },
  SDF_GRAPH_CYCLE: { status: 400, meaning: 'Links form a cycle, so no order can run them.' },
  SDF_GRAPH_NOTHING_TO_RUN: {
    status: 400,
    meaning: 'No workflow output and no output node: nothing would run (a warning).',
  },
  SDF_WORKFLOW_INPUT_TARGET: {
    status: 400,
    meaning: 'A workflow input points at a node or param that does not exist.',
  },
  SDF_WORKFLOW_OUTPUT_TARGET: {
    status: 400,
    meaning: 'A workflow output points at a node or output that does not exist.',
  },
  SDF_WORKFLOW_INPUT_UNKNOWN: {
    status: 400,
    meaning: 'A value was given for a workflow input that is not declared.',
  },
  SDF_CATALOG_UNKNOWN_NAME: {
    status: 400,
    meaning: 'A sampler, scheduler, checkpoint, upscaler or ControlNet name no backend has.',
  },
  SDF_CONTROLNET_MODULE_MISMATCH: {
    status: 400,
    meaning: "A ControlNet preprocessor that does not fit the unit's model family (a warning).",
  },
  SDF_IMAGE_INVALID: { status: 422, meaning: 'Bytes that should be an image are not one.' },
  SDF_IMAGE_TOO_LARGE: { status: 413, meaning: 'An image exceeds the pixel limit.' },
  SDF_PATH_OUTSIDE_ROOT: { status: 403, meaning: 'A path resolves outside its allowed root.' },
  SDF_PATH_NOT_FOUND: { status: 404, meaning: 'A file the workflow reads does not exist.' },
  SDF_ARTIFACT_DAMAGED: {
    status: 410,
    meaning: 'A stored image no longer matches its hash; it was removed.',
  },
  SDF_STORAGE_FULL: {
    status: 507,
    meaning: 'The disk of a data or output folder is full.',
  },
  SDF_STORAGE_UNUSABLE: {
    status: 500,
    meaning: 'A file sdflow keeps in its data folder cannot be used.',
  },
  SDF_CONFIG_INVALID: { status: 400, meaning: 'The configuration file is invalid.' },
  SDF_PROVENANCE_MISSING: {
    status: 422,
    meaning: 'A PNG carries no sdflow provenance chunk (workflow and inputs) to inspect or re-run.',
  },
  SDF_BACKEND_UNREACHABLE: {
    status: 502,
    meaning: 'A backend refused or dropped the connection (transient).',
  },
  SDF_BACKEND_UNAVAILABLE: {
    status: 503,
    meaning: 'A backend answered 502, 503 or 504 (transient).',
  },
  SDF_BACKEND_TIMEOUT: { status: 504, meaning: 'A backend did not answer in time (transient).' },
  SDF_BACKEND_FROZEN: {
    status: 504,
    meaning: 'A backend stopped making progress on a job (transient).',
  },
  SDF_BACKEND_OUT_OF_MEMORY: { status: 507, meaning: 'A backend ran out of GPU memory.' },
  SDF_BACKEND_REJECTED: {
    status: 422,
    meaning: 'A backend refused the request as invalid (not retried).',
  },
  SDF_BACKEND_ERROR: { status: 502, meaning: 'A backend failed with an internal error.' },
  SDF_BACKEND_BAD_RESPONSE: {
    status: 502,
    meaning: 'A backend answered with something that is not a valid A1111 response.',
  },
  SDF_BACKEND_NONE_AVAILABLE: {
    status: 503,
    meaning: 'No healthy backend has what a node needs.',
  },
  SDF_RUN_CANCELLED: { status: 409, meaning: 'The run was cancelled.' },
  SDF_RUN_UPSTREAM_FAILED: {
    status: 424,
    meaning: 'A node was skipped because a node it depends on failed.',
  },
  SDF_RUN_NOT_PLANNED: {
    status: 400,
    meaning: 'A node was left out of the run because it feeds no output (reported, not an error).',
  },
  SDF_NODE_FAILED: { status: 500, meaning: 'A node failed with an unexpected error.' },
  SDF_CLI_USAGE: { status: 400, meaning: 'The command line is not valid.' },
  SDF_SERVER_REQUEST_INVALID: {
    status: 400,
    meaning: 'A request (path, query or body) does not match what the route accepts.',
  },
  SDF_SERVER_UNAUTHORIZED: {
    status: 401,
    meaning: 'The server requires a bearer token and the request has none or a wrong one.',
  },
  SDF_SERVER_FORBIDDEN: {
    status: 403,
    meaning: 'The request comes from another origin or names a host the server does not serve.',
  },
  SDF_SERVER_NOT_FOUND: {
    status: 404,
    meaning: 'No route, workflow, run or artifact has that name.',
  },
  SDF_SERVER_CONFLICT: {
    status: 409,
    meaning: 'The run is not in a state that allows the request (e.g. resuming a finished run).',
  },
  SDF_SERVER_PRECONDITION_FAILED: {
    status: 412,
    meaning: 'If-Match or If-None-Match does not hold: the workflow changed meanwhile.',
  },
  SDF_SERVER_READ_ONLY: {
    status: 409,
    meaning: 'The workflow is a shipped example, which is read-only.',
  },
  SDF_SERVER_BODY_TOO_LARGE: { status: 413, meaning: 'The request body exceeds the limit.' },
  SDF_SERVER_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'The request body has a content type the route does not accept.',
  },
  SDF_SERVER_UPGRADE_REQUIRED: {
    status: 426,
    meaning: 'A WebSocket route was asked for with a plain HTTP request.',
  },
  SDF_SERVER_SHUTTING_DOWN: {
    status: 503,
    meaning: 'The server is shutting down and accepts no new runs.',
  },
  SDF_ARTIFACT_HASH_MISMATCH: {
    status: 400,
    meaning: 'An uploaded artifact does not hash to the name it was uploaded under.',
  },
  SDF_QUEUE_UNAVAILABLE: {
    status: 503,
    meaning: 'The coordinator cannot reach Redis, so it takes no new runs.',
  },
  SDF_QUEUE_UNREACHABLE_SERVER: {
    status: 502,
    meaning: 'A worker could not reach the coordinator to fetch or upload an artifact.',
  },
  SDF_INTERNAL_ERROR: { status: 500, meaning: 'A bug in sdflow.' },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof ErrorCodes

export const errorCodes = Object.keys(ErrorCodes) as ErrorCode[]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value)
}
