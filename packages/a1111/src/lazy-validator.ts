import type { ValidateFunction } from 'ajv'

/**
 * A validator compiled on first call, so loading a module that declares validators (every CLI
 * command does) compiles nothing. Only the call and `errors` are used, which is all the wrapper provides.
 */
export function lazyValidator<T>(make: () => ValidateFunction<T>): ValidateFunction<T> {
  let compiled: ValidateFunction<T> | undefined
  const validate = (data: unknown): data is T => {
    compiled ??= make()
    const ok = compiled(data)
    validate.errors = compiled.errors
    return ok
  }
  validate.errors = undefined as ValidateFunction<T>['errors']
  return validate as unknown as ValidateFunction<T>
}
