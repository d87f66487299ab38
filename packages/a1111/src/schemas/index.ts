export * from './request-bounds.js'
export * from './requests.js'
export * from './responses.js'
