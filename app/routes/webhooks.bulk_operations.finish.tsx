import type { ActionFunctionArgs } from "@remix-run/node";

import { receiveBulkOperationFinish } from "../services/backfill.server";

export const action = ({ request }: ActionFunctionArgs) => receiveBulkOperationFinish(request);
