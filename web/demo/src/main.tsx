/** Entry point of the demo bundle (dist/app.js, dist/app.css). */
import { createRoot } from 'react-dom/client';
import '@cohost/uikit/uikit.css';
import './demo.css';
import { App } from './app.js';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
