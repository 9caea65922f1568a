/**
 * The bus seam. The interface is declared in `core/bus.ts`, where its consumer (the hub) lives, so
 * core never imports this folder; implementations import it from here.
 */
export type { Bus, BusHealth, BusListener } from '../core/bus.js';
