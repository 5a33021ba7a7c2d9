/**
 * Metric learning (similar tasks; a prior for a task with no attempts): a Siamese embedding of tasks
 * trained with a contrastive loss on how tasks behave for learners. Pair labels: pairs.ts; network: network.ts; training: train.ts.
 */
export { trainTaskEmbedding } from "./train.js";
export { TaskEmbedding, loadTaskEmbedding, TASK_EMBEDDING_MODEL } from "./model.js";
export type { EmbeddingReport, Neighbour } from "./model.js";
export { defaultEmbeddingOptions, validateEmbeddingOptions } from "./options.js";
export type { EmbeddingOptions } from "./options.js";
