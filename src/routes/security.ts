/** OpenAPI security requirements shared by the contracts. */
type Requirements = Array<Record<string, string[]>>;

export const CUSTOMER_SECURITY: Requirements = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { rapidApiProxySecret: [] }];
export const KEY_HOLDER_SECURITY: Requirements = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
export const ADMIN_SECURITY: Requirements = [{ adminSecret: [] }];
