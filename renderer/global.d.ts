/// <reference types="vite/client" />
import type { JarvisApi } from '../shared/contract.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent when the dashboard is served by the headless daemon. */
    jarvis?: JarvisApi;
  }
}
