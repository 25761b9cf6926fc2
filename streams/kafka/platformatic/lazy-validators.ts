/** What an ajv validate function looks like to the client: callable, with the last call's errors. */
type Validate = ((data: unknown) => boolean) & { errors?: unknown };
interface Ajv {
  compile: (schema: unknown) => Validate;
  opts: { validateSchema?: boolean };
}

let patched = false;

/**
 * @platformatic/kafka compiles every one of its option schemas (39) with ajv as it is imported:
 * about 0.2 s of a 1 s startup. With `strict: false`, its default and Sluice's, it validates almost
 * none of them, so this makes its shared ajv instance compile each schema on first use instead.
 * Called before the client is first imported. The instance lives in the package's
 * `dist/utils.js`, which its exports map does not expose, so it is reached by file URL; should
 * that move in another version, nothing is patched and startup is only slower.
 */
export async function compileValidatorsLazily(): Promise<void> {
  if (patched) return;
  patched = true;
  let ajv: Ajv | undefined;
  try {
    const utils = new URL('./utils.js', import.meta.resolve('@platformatic/kafka'));
    ajv = ((await import(utils.href)) as { ajv?: Ajv }).ajv;
  } catch {
    return;
  }
  if (typeof ajv?.compile !== 'function' || typeof ajv.opts !== 'object') return;
  // The client's schemas are fixed: checking each against the JSON Schema meta-schema would first
  // compile the meta-schema (about 30 ms) to find nothing. Sluice uses none of its registries.
  ajv.opts.validateSchema = false;
  const compile = ajv.compile.bind(ajv);
  ajv.compile = (schema) => lazyValidate(() => compile(schema));
}

function lazyValidate(compileNow: () => Validate): Validate {
  let compiled: Validate | undefined;
  const validate: Validate = (data) => {
    compiled ??= compileNow();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  };
  validate.errors = null;
  return validate;
}
