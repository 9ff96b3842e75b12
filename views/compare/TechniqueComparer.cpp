#include "compare/TechniqueComparer.h"

#include "assembler/Assembler.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QThreadPool>
#include <exception>

namespace vmwb {

TechniqueComparer::TechniqueComparer(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<vmwb::Comparison>();
}

TechniqueComparer::~TechniqueComparer()
{
    if (m_cancel)
        m_cancel->store(true);
}

void TechniqueComparer::start(const QString &source, const QString &fileName,
                              const CompareOptions &options)
{
    const quint64 generation = ++m_generation;
    // A newer request supersedes the one running: it stops at its next check.
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    CompareOptions jobOptions = options;
    jobOptions.cancel = m_cancel;
    auto *job = new CompareJob(source, fileName, jobOptions, generation);
    connect(job, &CompareJob::finished, this, [this](quint64 done, const Comparison &comparison) {
        if (done != m_generation)
            return; // superseded
        m_running = false;
        emit runningChanged(false);
        emit finished(comparison);
    });
    connect(job, &CompareJob::failed, this, [this](quint64 done, const QString &message) {
        if (done != m_generation)
            return;
        m_running = false;
        emit runningChanged(false);
        emit failed(message);
    });
    if (!m_running) {
        m_running = true;
        emit runningChanged(true);
    }
    QThreadPool::globalInstance()->start([job] {
        job->run();
        job->deleteLater();
    });
}

CompareJob::CompareJob(QString source, QString fileName, CompareOptions options, quint64 generation)
    : m_source(std::move(source)), m_fileName(std::move(fileName)), m_options(std::move(options)),
      m_generation(generation)
{}

void CompareJob::run()
{
    try {
        const Assembler assembler;
        const AssemblerResult assembled = assembler.assemble(m_source, m_fileName);
        if (!assembled.ok()) {
            QString message = tr("The snippet does not assemble, so there is nothing to "
                                 "compare: %1")
                                  .arg(assembled.errors.front().toString());
            if (assembled.errors.size() > 1) {
                message += tr(" (and %n more error(s))", nullptr,
                              static_cast<int>(assembled.errors.size() - 1));
            }
            emit failed(m_generation, message);
            return;
        }
        const CostPresets presets;
        const Comparison comparison =
            compareTechniques(m_source, m_fileName, *assembled.program, m_options, assembler,
                              TechniqueRegistry::builtIn(), presets);
        emit finished(m_generation, comparison);
    } catch (const CompareCancelled &) {
        // Superseded or abandoned: nobody waits for this result.
    } catch (const std::exception &error) {
        emit failed(m_generation,
                    tr("The comparison could not run: %1").arg(QString::fromUtf8(error.what())));
    }
}

} // namespace vmwb
