export { compileFault, FaultConfig, faultFilter } from './fault';
export { compileJwtAuthn, compileJwtPerRoute, JwtAuthnConfig, jwtAuthnFilter, JwtPerRoute } from './jwt-authn';
export { compileLocalRateLimit, LocalRateLimitConfig, localRateLimitFilter } from './local-rate-limit';
export { perRouteConfig } from './per-route';
export { compileRbac, compileRbacPerRoute, RbacConfig, rbacFilter } from './rbac';
export { createHttpChainBuilder } from './registry';
export { TokenBucket } from './token-bucket';
