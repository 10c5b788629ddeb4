export { type Notice, PauseActions, type PauseTarget } from './pause-actions';
export { pauseFormSchema, reasonCodesFor } from './pause-form';
